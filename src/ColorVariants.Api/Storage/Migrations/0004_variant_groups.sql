-- Variant groups per model (issue 8, part 2): every product of the model's catalog is in exactly
-- one group (a product without variants is a group of one). A group's id is its smallest sku. The
-- rows of one category are replaced together when that category is regrouped (VariantGroups), so
-- `category` is the category the row was grouped under, '' for products without one.
CREATE TABLE variant_groups (
    model_id  integer NOT NULL REFERENCES models (id) ON DELETE CASCADE,
    sku       text COLLATE "C" NOT NULL,
    category  text NOT NULL,
    group_id  text COLLATE "C" NOT NULL,
    size      integer NOT NULL,
    PRIMARY KEY (model_id, sku)
);
CREATE INDEX variant_groups_group ON variant_groups (model_id, group_id);
CREATE INDEX variant_groups_category ON variant_groups (model_id, category);
