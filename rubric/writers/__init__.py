"""Writers: result objects -> terminal text, JSON, CSV, xlsx. They compute nothing."""
