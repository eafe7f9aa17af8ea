-- No lost updates between two administrators (issue 17): an access package and each of its
-- policies carry a version that every change moves. An edit made from what an administrator
-- read (the page's form, the API's `If-Match` with the ETag a GET gave) is applied only if the
-- version is still the one read; otherwise it is refused and they see the other change first.
-- A package's version also moves when its policies, resource roles or incompatibilities change
-- (everything its page and its API representation show).
ALTER TABLE access_packages ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE access_package_policies ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
