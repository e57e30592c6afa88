-- Human verdicts on pairs of products (issue 8, part 3): confirmed colour variants, or rejected.
-- A pair is stored once, its skus in order; a new verdict on a pair replaces the old one. Verdicts
-- do not depend on a model, and outlive a product's re-upload.
CREATE TABLE reviews (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sku_a     text COLLATE "C" NOT NULL,
    sku_b     text COLLATE "C" NOT NULL,
    verdict   text NOT NULL CHECK (verdict IN ('confirmed', 'rejected')),
    reviewer  text NOT NULL,
    at        timestamptz NOT NULL DEFAULT now(),
    CHECK (sku_a < sku_b),
    UNIQUE (sku_a, sku_b)
);
CREATE INDEX reviews_sku_b ON reviews (sku_b);
