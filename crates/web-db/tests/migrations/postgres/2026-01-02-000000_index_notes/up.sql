CREATE INDEX notes_by_text ON notes (text, id);
