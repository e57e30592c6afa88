-- Each product's swatch (issue 8, part 4): its dominant garment colour as #rrggbb and a plain name
-- (Core Swatch), computed at intake. Products stored before this migration have NULL here until the
-- background backfill (Swatches/SwatchBackfill) has read their image: filling them in this
-- migration would decode every image while start-up waits, with the service not answering.
ALTER TABLE products ADD COLUMN swatch_hex text CHECK (swatch_hex ~ '^#[0-9a-f]{6}$'), ADD COLUMN swatch_name text,
    ADD CHECK ((swatch_hex IS NULL) = (swatch_name IS NULL));
-- The backfill's batches: what is left, in sku order, without scanning the filled rows.
CREATE INDEX products_without_swatch ON products (sku) WHERE swatch_hex IS NULL;
