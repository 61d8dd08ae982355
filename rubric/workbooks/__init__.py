"""The layout contract of each workbook format, imported by its writer, its reader and the tests:
`comparison` (written by `rubric report`, read by `import-weights`), `scoring` (written by
`rubric template`, read by `import-scores`), and `text`, the cell-text codec both use.
Nothing else spells a sheet name, a label the reader looks for, or a `_meta` field."""
