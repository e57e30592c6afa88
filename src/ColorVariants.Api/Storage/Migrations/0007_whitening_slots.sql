-- A refit never blocks writes (issue 22, part 1): each model's searchable vectors have two slots,
-- `embedding` (slot 0) and `embedding_b` (slot 1), each with its own HNSW index. Searches read the
-- slot `models.whitening_slot` names. A refit stores its whitening as pending, re-projects every raw
-- vector into the other slot in batches while the active one keeps serving (uploads meanwhile
-- write both), then flips the slot and the version in one short transaction.
ALTER TABLE embeddings ALTER COLUMN embedding DROP NOT NULL;
ALTER TABLE embeddings ADD COLUMN embedding_b halfvec;
-- As `embedding` (0002): in the heap page, since searches read it, not in the TOAST table.
ALTER TABLE embeddings ALTER COLUMN embedding_b SET STORAGE MAIN;

ALTER TABLE models
    ADD COLUMN whitening_slot smallint NOT NULL DEFAULT 0 CHECK (whitening_slot IN (0, 1)),
    -- The refit in progress: its whitening, and an id the refit drew, so a writer that projected with
    -- one pending whitening reloads when another (a refit tried again) replaces it.
    ADD COLUMN pending_whitening bytea,
    ADD COLUMN pending_id bigint,
    ADD CHECK ((pending_whitening IS NULL) = (pending_id IS NULL));
