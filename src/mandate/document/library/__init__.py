"""The document template library: built-in and organization templates, and sandboxed rendering."""
