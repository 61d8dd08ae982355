"""Records: YAML files on disk, validated against the JSON Schemas, turned into model objects."""
