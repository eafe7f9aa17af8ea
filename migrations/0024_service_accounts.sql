-- Service accounts (issue 17): directory entries that scripts act as, through API tokens that
-- directory administrators make for them. They hold no password and cannot sign in to the
-- pages (neither with a password nor with single sign-on); like anyone, they can be given
-- catalog roles, which decide what their tokens may reach.
ALTER TABLE users ADD COLUMN service_account BIGINT NOT NULL DEFAULT 0;
