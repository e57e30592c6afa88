-- What to review next (issue 22, part 5): per model, each product's pair the decision is least sure
-- about among its nearest (the verifier's probability closest to its threshold, or the score's),
-- not yet reviewed. Written with the groups, one category at a time (VariantGroups), so it follows
-- every upload, verdict, refit and calibration; /review lists it, least sure and largest groups first.
CREATE TABLE review_queue (
    model_id       integer NOT NULL REFERENCES models (id) ON DELETE CASCADE,
    sku            text COLLATE "C" NOT NULL,
    category       text NOT NULL,
    candidate_sku  text COLLATE "C" NOT NULL,
    probability    real NOT NULL,
    doubt          real NOT NULL,
    group_size     integer NOT NULL,
    PRIMARY KEY (model_id, sku)
);
CREATE INDEX review_queue_next ON review_queue (model_id, doubt, group_size DESC, sku);
CREATE INDEX review_queue_category ON review_queue (model_id, category);
