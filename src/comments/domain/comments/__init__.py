"""Comments: the posting pipeline, threaded listing, edits and deletes."""
