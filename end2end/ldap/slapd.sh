#!/usr/bin/env bash
# The end-to-end tests' LDAP directory: OpenLDAP's slapd (Debian's package, installed by
# scripts/setup.sh) on 127.0.0.1:$LDAP_PORT with a fresh database under $LDAP_DIR, loaded
# offline with slapadd, then run in the foreground (Playwright stops it at the end).
#
# dc=example,dc=org, bound as cn=admin,dc=example,dc=org / $LDAP_ADMIN_PASSWORD; people
# under ou=people (uid, mail), groups under ou=groups (groupOfNames, each holding a
# placeholder member, which a groupOfNames needs).
set -euo pipefail
: "${LDAP_PORT:?}" "${LDAP_DIR:?}" "${LDAP_ADMIN_PASSWORD:?}"
rm -rf "${LDAP_DIR}"
mkdir -p "${LDAP_DIR}/db"
cat > "${LDAP_DIR}/slapd.conf" <<CONF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile ${LDAP_DIR}/slapd.pid
database mdb
maxsize 104857600
suffix "dc=example,dc=org"
rootdn "cn=admin,dc=example,dc=org"
rootpw ${LDAP_ADMIN_PASSWORD}
directory ${LDAP_DIR}/db
index objectClass eq
index mail,uid eq
CONF
person() {
    printf 'dn: uid=%s,ou=people,dc=example,dc=org\nobjectClass: inetOrgPerson\nuid: %s\ncn: %s\nsn: %s\nmail: %s\n\n' \
        "$1" "$1" "$2" "$2" "$3"
}
{
    printf 'dn: dc=example,dc=org\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Woodgrove\n\n'
    printf 'dn: ou=people,dc=example,dc=org\nobjectClass: organizationalUnit\nou: people\n\n'
    printf 'dn: ou=groups,dc=example,dc=org\nobjectClass: organizationalUnit\nou: groups\n\n'
    printf 'dn: cn=placeholder,dc=example,dc=org\nobjectClass: organizationalRole\ncn: placeholder\n\n'
    person eric.employee "Eric Employee" eric.employee@woodgrove.example
    person maria.manager "Maria Manager" maria.manager@woodgrove.example
    printf 'dn: cn=Office Licenses,ou=groups,dc=example,dc=org\nobjectClass: groupOfNames\ncn: Office Licenses\nmember: cn=placeholder,dc=example,dc=org\n\n'
    # A new hire Tessera does not know yet, in a group of their own: the directory import's.
    printf 'dn: uid=nestor.newhire,ou=people,dc=example,dc=org\nobjectClass: inetOrgPerson\nuid: nestor.newhire\ncn: Nestor Newhire\nsn: Newhire\ndisplayName: Nestor Newhire\nmail: nestor.newhire@woodgrove.example\ndepartmentNumber: Finance\ntitle: Analyst\nmanager: uid=maria.manager,ou=people,dc=example,dc=org\n\n'
    printf 'dn: cn=Finance Readers,ou=groups,dc=example,dc=org\nobjectClass: groupOfNames\ncn: Finance Readers\nmember: uid=nestor.newhire,ou=people,dc=example,dc=org\n\n'
} > "${LDAP_DIR}/seed.ldif"
slapadd -q -f "${LDAP_DIR}/slapd.conf" -l "${LDAP_DIR}/seed.ldif"
exec /usr/sbin/slapd -f "${LDAP_DIR}/slapd.conf" -h "ldap://127.0.0.1:${LDAP_PORT}/" -d 0
