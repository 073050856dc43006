DROP INDEX notes_by_text;
