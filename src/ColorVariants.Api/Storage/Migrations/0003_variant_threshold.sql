-- The decision "are these two products colour variants?" per model (issue 8): a cosine threshold
-- on the searchable (whitened) vectors, calibrated on the catalog's labelled products to a target
-- precision. NULL: not calibrated, the documented default applies (Search:DefaultVariantThreshold
-- or the model's own metadata). A whitening refit changes the scores' scale, so the threshold
-- records the whitening version it was calibrated under; a refit recalibrates it.
ALTER TABLE models
    ADD COLUMN variant_threshold double precision,
    ADD COLUMN variant_threshold_calibration jsonb,
    ADD COLUMN variant_threshold_whitening_version integer;
