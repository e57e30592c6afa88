-- Catalog-fitted whitening per model (issue 7, lever 3). `raw` is the model's own output: what a
-- whitening is fitted on and re-projected from, so a refit needs no re-inference. `embedding`
-- stays the searchable vector (the whitened raw vector once the model has a whitening), so the
-- HNSW indexes, their expression and every query are unchanged.
--
-- Two 512-d halfvecs make a row of ~2 KB, past the TOAST threshold. Both columns default to
-- STORAGE EXTERNAL, and the toaster would move the first of two equal-sized ones out of line:
-- `embedding`, the one every search reads. MAIN keeps it in the heap page and sends `raw`
-- (read only by a refit) to the TOAST table instead.
ALTER TABLE embeddings ALTER COLUMN embedding SET STORAGE MAIN;
ALTER TABLE embeddings ADD COLUMN raw halfvec;
-- Rows written before this migration were never whitened: their vector is the raw one.
UPDATE embeddings SET raw = embedding;
ALTER TABLE embeddings ALTER COLUMN raw SET NOT NULL;

-- The stored whitening (CatalogWhitening.ToBytes), how many vectors it was fitted on and when.
-- whitening_version goes up by one with every refit: a writer that whitened with another
-- version than the one it finds (FOR SHARE) in its transaction reloads and re-applies.
ALTER TABLE models
    ADD COLUMN whitening bytea,
    ADD COLUMN whitening_samples integer,
    ADD COLUMN whitening_fitted_at timestamptz,
    ADD COLUMN whitening_version integer NOT NULL DEFAULT 0;
