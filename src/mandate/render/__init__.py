"""Pure renderers: HTML -> PDF, a document model (or Markdown) -> DOCX, rows -> XLSX or CSV.

No I/O besides an optional target path, no database, no settings: documents, invoices and exports
call these from their jobs. They are CPU-bound and blocking: from async code, call them through
`asyncio.to_thread`.
"""
