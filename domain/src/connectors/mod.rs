//! The systems Tessera delivers grants to. Each kind speaks its own protocol here; what to
//! deliver and when is the delivery job's (`jobs::connectors`), what an administrator may
//! configure is `service::connectors`.

pub mod ldap;
