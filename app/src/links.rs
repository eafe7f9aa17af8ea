//! Where each place a notification names lives in this app. The match is exhaustive: a new
//! `Link` must get a route here, and the HTTP tests open every one of them.

use domain::model::Link;

/// The path of a notification's place, for the bell and (through the mailer) for e-mails.
pub fn href(link: Link) -> &'static str {
    match link {
        Link::ActiveAccess => "/myaccess?tab=active",
        Link::ExpiredAccess => "/myaccess?tab=expired",
        Link::Requests => "/myaccess/requests",
        Link::Approvals => "/myaccess/approvals",
        Link::Reviews => "/myaccess/reviews",
    }
}
