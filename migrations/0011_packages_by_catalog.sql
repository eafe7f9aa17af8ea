-- A catalog's packages are found by an index (issue 13): the package list filtered by a
-- catalog, a catalog's package count and its page read them; before, each was a scan of
-- every package, once per catalog on the catalogs list.
CREATE INDEX access_packages_catalog_idx ON access_packages (catalog_id, name_key, id);
