"""A directory pushed through SCIM, as an identity provider's first sync does it: every user
created, then every manager set by PATCH, then groups created and their members added by
PATCH in batches. Prints the time and requests per second of each phase as JSON. A
benchmark, never a test: it asserts nothing but the statuses. Used by scim-push.sh."""

import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import httpx2 as httpx

BASE, TOKEN = sys.argv[1], sys.argv[2]
USERS, GROUPS, WORKERS = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
BATCH = 100
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
HEADERS = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/scim+json"}
client = httpx.Client(base_url=BASE, headers=HEADERS, timeout=60, limits=httpx.Limits(max_connections=WORKERS))


def must(resp, status):
    if resp.status_code != status:
        raise SystemExit(f"{resp.request.method} {resp.request.url}: {resp.status_code} {resp.text}")
    return resp


def phase(name, items, work):
    start = time.monotonic()
    with ThreadPoolExecutor(WORKERS) as pool:
        out = list(pool.map(work, items))
    took = time.monotonic() - start
    print(f"{name}: {len(items)} requests in {took:.1f} s ({len(items) / took:.0f}/s)", file=sys.stderr)
    return out, {"phase": name, "requests": len(items), "seconds": round(took, 2), "per_second": round(len(items) / took, 1)}


def create_user(n):
    body = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        "externalId": f"ext-{n}",
        "userName": f"person{n}@push.example",
        "active": True,
        "displayName": f"Person {n}",
        "emails": [{"primary": True, "type": "work", "value": f"person{n}@push.example"}],
        "title": "Analyst",
        ENTERPRISE: {"department": f"Department {n % 40}", "employeeNumber": str(100000 + n)},
    }
    return must(client.post("/Users", json=body), 201).json()["id"]


ids, users = phase("create users", list(range(USERS)), create_user)


def set_manager(n):
    # A tree: ten reports per manager; person 0 has none.
    if n == 0:
        return
    op = {"op": "Add", "path": f"{ENTERPRISE}:manager", "value": ids[(n - 1) // 10]}
    must(client.patch(f"/Users/{ids[n]}", json={"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [op]}), 200)


_, managers = phase("set managers", list(range(USERS)), set_manager)


def create_group(g):
    body = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "externalId": f"grp-{g}", "displayName": f"Pushed group {g}"}
    return must(client.post("/Groups", json=body), 201).json()["id"]


gids, groups = phase("create groups", list(range(GROUPS)), create_group)

# Each person in five groups; members added BATCH at a time.
batches = []
for g, gid in enumerate(gids):
    members = [ids[n] for n in range(USERS) if n % GROUPS in {(g + k) % GROUPS for k in range(5)}]
    for i in range(0, len(members), BATCH):
        batches.append((gid, members[i : i + BATCH]))


def add_members(batch):
    gid, members = batch
    op = {"op": "Add", "path": "members", "value": [{"value": m} for m in members]}
    must(client.patch(f"/Groups/{gid}", json={"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [op]}), 204)


_, memberships = phase("add members", batches, add_members)
print(json.dumps({"users": USERS, "groups": GROUPS, "workers": WORKERS, "memberships": USERS * 5, "phases": [users, managers, groups, memberships]}))
