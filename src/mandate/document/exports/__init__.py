"""Document exports: a file (PDF, DOCX, Markdown, HTML) of one version of a document, made in the background."""
