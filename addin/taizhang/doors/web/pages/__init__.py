"""One module per page of the browser door; each ``endpoints(state)`` returns its request handlers."""
