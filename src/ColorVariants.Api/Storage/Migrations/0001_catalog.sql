-- Products, their images (content-addressed, deduplicated) and embeddings kept per model.
CREATE EXTENSION IF NOT EXISTS vector;

CREATE TABLE images (
    sha256      bytea PRIMARY KEY,
    media_type  text NOT NULL,
    width       integer NOT NULL,
    height      integer NOT NULL,
    content     bytea NOT NULL
);
-- JPEG, PNG and WebP are compressed already: store out of line without trying to compress again.
ALTER TABLE images ALTER COLUMN content SET STORAGE EXTERNAL;

CREATE TABLE products (
    sku           text COLLATE "C" PRIMARY KEY,
    category      text,
    name          text,
    colour        text,
    attributes    jsonb NOT NULL DEFAULT '{}'::jsonb,
    image_sha256  bytea NOT NULL REFERENCES images (sha256),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX products_image_sha256 ON products (image_sha256);

-- A model is known by the hash of its file; exactly one is active (the one the service loaded).
CREATE TABLE models (
    id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL,
    sha256      text NOT NULL UNIQUE,
    dimensions  integer NOT NULL CHECK (dimensions BETWEEN 1 AND 4000),
    metadata    jsonb NOT NULL DEFAULT '{}'::jsonb,
    active      boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX models_one_active ON models (active) WHERE active;

-- halfvec keeps a 512-d row near 1 KB, inline in the heap page instead of TOASTed, which is
-- what makes filtered and exact scans cheap. The category is copied from the product so a
-- category-filtered search reads one table. Each model gets a partial HNSW index (created
-- when the model is registered, since the dimension is the model's).
CREATE TABLE embeddings (
    model_id      integer NOT NULL REFERENCES models (id) ON DELETE CASCADE,
    sku           text COLLATE "C" NOT NULL REFERENCES products (sku) ON DELETE CASCADE,
    image_sha256  bytea NOT NULL,
    category      text,
    embedding     halfvec NOT NULL,
    PRIMARY KEY (model_id, sku)
);
CREATE INDEX embeddings_model_category ON embeddings (model_id, category);
