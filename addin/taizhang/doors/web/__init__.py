"""The browser door (``taizhang serve``): a local page for offices with WPS only. See ``app`` for its modules."""
