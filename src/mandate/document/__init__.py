"""Documents: templates, drafts and their exports."""
