"""The store server's schema as numbered migrations (``server_schema_version`` records which ran).

Up (lanes -> server): ``documents`` keeps each finished document once per (store, lane, lane
sequence) and once per uuid; every number in a document is an integer (money in minor units);
``parked_documents`` keeps what the server refused, with the reason; ``journal`` the lanes'
hash-chained journal rows; ``lane_sync`` what each lane last acknowledged and reported.
Down (server -> lanes): ``products``/``barcodes``, ``users``, ``settings`` and ``promotions`` carry a
``change_seq`` from one sequence; writers take one advisory lock before drawing from it, so the
numbers commit in the order they are drawn and a lane reading "everything above N" misses nothing.
Each lane is a role in ``pos_lanes``: it reads the catalog, staff and settings, and row-level
security lets it insert and read only its own documents, journal rows and sync row.
To change the schema, append to MIGRATIONS; never edit one that has shipped.
"""

from __future__ import annotations

import psycopg

LANES_GROUP = "pos_lanes"
CHANGE_LOCK = 7421_0001

_M1 = r"""
CREATE TABLE pos_meta (key text PRIMARY KEY, value text NOT NULL);

CREATE TABLE lanes (
    store text NOT NULL,
    lane int NOT NULL CHECK (lane BETWEEN 1 AND 99),
    role_name text NOT NULL UNIQUE,
    added_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (store, lane)
);

CREATE TABLE lane_sync (
    store text NOT NULL,
    lane int NOT NULL,
    acked_seq bigint NOT NULL DEFAULT 0,
    journal_seq bigint NOT NULL DEFAULT 0,
    last_seen timestamptz,
    waiting int NOT NULL DEFAULT 0,
    oldest_waiting timestamptz,
    gap_from bigint,
    gap_to bigint,
    chain_break text,
    PRIMARY KEY (store, lane),
    FOREIGN KEY (store, lane) REFERENCES lanes
);

-- Money stays integer minor units: no number anywhere in a document may have a fraction.
CREATE FUNCTION pos_integers_only(doc jsonb) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
    SELECT NOT jsonb_path_exists(doc, 'lax $.** ? (@.type() == "number" && (@ != @.floor() || @ > 1e15 || @ < -1e15))')
$$;

CREATE FUNCTION pos_my_store() RETURNS text LANGUAGE sql STABLE AS $$
    SELECT store FROM lanes WHERE role_name = current_user
$$;
CREATE FUNCTION pos_my_lane() RETURNS int LANGUAGE sql STABLE AS $$
    SELECT lane FROM lanes WHERE role_name = current_user
$$;

CREATE TABLE documents (
    id bigserial UNIQUE,
    store text NOT NULL,
    lane int NOT NULL,
    lane_seq bigint NOT NULL CHECK (lane_seq > 0),
    uuid text NOT NULL UNIQUE,
    kind text NOT NULL CHECK (kind IN ('sale.paid', 'sale.voided', 'return', 'shift.open', 'shift.close',
                                       'drawer.paid_in', 'drawer.paid_out', 'drawer.no_sale', 'report.x', 'report.z')),
    business_day date NOT NULL,
    total bigint,
    created_at timestamptz NOT NULL,
    received_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    payload jsonb NOT NULL CHECK (jsonb_typeof(payload) = 'object') CHECK (pos_integers_only(payload)),
    PRIMARY KEY (store, lane, lane_seq),
    FOREIGN KEY (store, lane) REFERENCES lanes
);
CREATE INDEX documents_day ON documents (store, business_day, kind);

CREATE TABLE parked_documents (
    store text NOT NULL,
    lane int NOT NULL,
    lane_seq bigint NOT NULL,
    uuid text NOT NULL,
    kind text NOT NULL,
    reason text NOT NULL,
    payload text NOT NULL,
    created_at timestamptz,
    parked_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (store, lane, lane_seq),
    FOREIGN KEY (store, lane) REFERENCES lanes
);

CREATE TABLE journal (
    store text NOT NULL,
    lane int NOT NULL,
    seq bigint NOT NULL,
    at text NOT NULL,
    kind text NOT NULL,
    actor text,
    payload text NOT NULL,
    prev_hash text NOT NULL,
    hash text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (store, lane, seq),
    FOREIGN KEY (store, lane) REFERENCES lanes
);

CREATE SEQUENCE change_seq;
CREATE FUNCTION pos_bump_change_seq() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(74210001);
    NEW.change_seq := nextval('change_seq');
    NEW.updated_at := now();
    RETURN NEW;
END $$;

CREATE TABLE products (
    sku text PRIMARY KEY,
    name text NOT NULL,
    price bigint NOT NULL CHECK (price >= 0),
    tax text NOT NULL,
    unit text NOT NULL DEFAULT 'each' CHECK (unit IN ('each', 'kg')),
    active boolean NOT NULL DEFAULT true,
    change_seq bigint NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX products_change ON products (change_seq);
CREATE TRIGGER products_change BEFORE INSERT OR UPDATE ON products
    FOR EACH ROW EXECUTE FUNCTION pos_bump_change_seq();

CREATE TABLE barcodes (code text PRIMARY KEY, sku text NOT NULL REFERENCES products ON DELETE CASCADE);
CREATE INDEX barcodes_sku ON barcodes (sku);

CREATE TABLE users (
    name text PRIMARY KEY,
    role text NOT NULL CHECK (role IN ('cashier', 'supervisor', 'admin')),
    pin_hash text NOT NULL,
    pin_changed_at timestamp NOT NULL,
    disabled boolean NOT NULL DEFAULT false,
    locked_until timestamp,
    change_seq bigint NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX users_change ON users (change_seq);
CREATE TRIGGER users_change BEFORE INSERT OR UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION pos_bump_change_seq();

CREATE TABLE settings (
    key text PRIMARY KEY,
    value jsonb NOT NULL,
    change_seq bigint NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX settings_change ON settings (change_seq);
CREATE TRIGGER settings_change BEFORE INSERT OR UPDATE ON settings
    FOR EACH ROW EXECUTE FUNCTION pos_bump_change_seq();

CREATE TABLE store_z_reports (
    store text NOT NULL,
    business_day date NOT NULL,
    number int NOT NULL,
    taken_at timestamptz NOT NULL DEFAULT now(),
    taken_by text NOT NULL,
    content jsonb NOT NULL,
    PRIMARY KEY (store, business_day),
    UNIQUE (store, number)
);

CREATE TABLE admin_journal (
    id bigserial PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    actor text NOT NULL,
    kind text NOT NULL,
    payload jsonb NOT NULL
);

ALTER TABLE documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE parked_documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE journal ENABLE ROW LEVEL SECURITY;
ALTER TABLE lane_sync ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_lane ON documents TO pos_lanes
    USING (store = (SELECT pos_my_store()) AND lane = (SELECT pos_my_lane()))
    WITH CHECK (store = (SELECT pos_my_store()) AND lane = (SELECT pos_my_lane()));
CREATE POLICY own_lane ON parked_documents TO pos_lanes
    USING (store = (SELECT pos_my_store()) AND lane = (SELECT pos_my_lane()))
    WITH CHECK (store = (SELECT pos_my_store()) AND lane = (SELECT pos_my_lane()));
CREATE POLICY own_lane ON journal TO pos_lanes
    USING (store = (SELECT pos_my_store()) AND lane = (SELECT pos_my_lane()))
    WITH CHECK (store = (SELECT pos_my_store()) AND lane = (SELECT pos_my_lane()));
CREATE POLICY own_lane ON lane_sync TO pos_lanes
    USING (store = (SELECT pos_my_store()) AND lane = (SELECT pos_my_lane()))
    WITH CHECK (store = (SELECT pos_my_store()) AND lane = (SELECT pos_my_lane()));

GRANT USAGE ON SCHEMA public TO pos_lanes;
GRANT SELECT ON pos_meta, lanes, products, barcodes, users, settings TO pos_lanes;
GRANT SELECT, INSERT ON documents, parked_documents, journal TO pos_lanes;
GRANT SELECT, UPDATE (acked_seq, journal_seq, last_seen, waiting, oldest_waiting, gap_from, gap_to, chain_break)
    ON lane_sync TO pos_lanes;
GRANT USAGE ON SEQUENCE documents_id_seq TO pos_lanes;
"""

# 2: wrong PINs of store-wide operators, counted toward the lockout (kept apart from ``users`` so a
# count does not travel to the lanes; the lockout it leads to does).
_M2 = r"""
CREATE TABLE operator_failures (
    name text PRIMARY KEY REFERENCES users ON DELETE CASCADE,
    count int NOT NULL,
    last_at timestamptz NOT NULL DEFAULT now()
);
-- The store's unknown payments are read from the payment and refund rows of the lanes' journals.
CREATE INDEX journal_payment_events ON journal (store, kind)
    WHERE kind LIKE 'payment.%' OR kind LIKE 'refund.%';
"""

# 3: the store's member register and points ledger. Members come down to the lanes by the change
# feed with the balance the server makes from the ledger; the ledger rows a lane made go up inside
# its sale documents (``payload -> 'points'``) and a trigger on ``documents`` takes them into the
# ledger and makes the balance of each member they name again, in the transaction that stores the
# document (so a document sent is a document counted).
_M3 = r"""
CREATE TABLE members (
    code text PRIMARY KEY,
    card text UNIQUE,
    phone text UNIQUE,
    name text NOT NULL DEFAULT '',
    points bigint NOT NULL DEFAULT 0,
    disabled boolean NOT NULL DEFAULT false,
    change_seq bigint NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX members_change ON members (change_seq);
CREATE TRIGGER members_change BEFORE INSERT OR UPDATE ON members
    FOR EACH ROW EXECUTE FUNCTION pos_bump_change_seq();

CREATE TABLE points_ledger (
    uuid text PRIMARY KEY,
    store text NOT NULL,
    lane int,  -- NULL: made on the server (an adjustment, an opening balance)
    member text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('earn', 'redeem', 'reverse', 'adjust')),
    points bigint NOT NULL,
    value bigint NOT NULL DEFAULT 0,
    sale text,
    business_day date NOT NULL,
    offline boolean NOT NULL DEFAULT false,
    actor text NOT NULL DEFAULT '',
    reason text NOT NULL DEFAULT '',
    at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX points_ledger_member ON points_ledger (member);

CREATE FUNCTION pos_member_balance(codes text[]) RETURNS void LANGUAGE sql SECURITY DEFINER
SET search_path = public AS $$
    UPDATE members m SET points = COALESCE((SELECT SUM(l.points) FROM points_ledger l WHERE l.member = m.code), 0)
    WHERE m.code = ANY(codes)
$$;

CREATE FUNCTION pos_points_from_document() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public AS $$
BEGIN
    IF jsonb_typeof(NEW.payload -> 'points') = 'array' THEN
        INSERT INTO points_ledger (uuid, store, lane, member, kind, points, value, sale, business_day, offline,
                                   actor, reason, at)
        SELECT e ->> 'uuid', NEW.store, NEW.lane, e ->> 'member', e ->> 'kind', (e ->> 'points')::bigint,
               COALESCE((e ->> 'value')::bigint, 0), NEW.payload ->> 'sale', (e ->> 'business_day')::date,
               COALESCE((e ->> 'offline')::boolean, false), COALESCE(NEW.payload ->> 'cashier', ''),
               COALESCE(e ->> 'reason', ''), NEW.created_at
        FROM jsonb_array_elements(NEW.payload -> 'points') AS e
        ON CONFLICT (uuid) DO NOTHING;
        PERFORM pos_member_balance(ARRAY(SELECT DISTINCT e ->> 'member'
                                         FROM jsonb_array_elements(NEW.payload -> 'points') AS e));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER documents_points AFTER INSERT ON documents
    FOR EACH ROW EXECUTE FUNCTION pos_points_from_document();

GRANT SELECT ON members TO pos_lanes;
"""


# 4: the store's promotions, each as its file's fields (``promotion_file.promotion_fields``), coming
# down to the lanes by the change sequence like the catalog; ``active`` false is a promotion stopped
# (kept for the reports of the sales that had it).
_M4 = r"""
CREATE TABLE promotions (
    code text PRIMARY KEY,
    definition jsonb NOT NULL CHECK (jsonb_typeof(definition) = 'object'),
    active boolean NOT NULL DEFAULT true,
    change_seq bigint NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX promotions_change ON promotions (change_seq);
CREATE TRIGGER promotions_change BEFORE INSERT OR UPDATE ON promotions
    FOR EACH ROW EXECUTE FUNCTION pos_bump_change_seq();
GRANT SELECT ON promotions TO pos_lanes;

-- What each promotion took off each line of the sales and returns the lanes sent (kept in the
-- documents themselves, as the lanes wrote them), one row per line and promotion.
CREATE VIEW document_promotions AS
    SELECT d.store, d.lane, d.lane_seq, d.kind, d.business_day, (l ->> 'line')::int AS line,
           p ->> 'promotion' AS promotion, p ->> 'name' AS name, (p ->> 'amount')::bigint AS amount
    FROM documents d, jsonb_array_elements(d.payload -> 'lines') AS l,
         jsonb_array_elements(COALESCE(l -> 'promotions', '[]'::jsonb)) AS p
    WHERE d.kind IN ('sale.paid', 'sale.voided', 'return');
"""

# 5: a product's department code (the catalog CSV's ``department``; NULL: none), down to the lanes
# with the product: a department's spend-and-save and the sales by department count the product in it.
_M5 = r"""
ALTER TABLE products ADD COLUMN department text CHECK (department IS NULL OR length(department) BETWEEN 1 AND 32);
"""

MIGRATIONS: list[str] = [_M1, _M2, _M3, _M4, _M5]
LATEST_VERSION = len(MIGRATIONS)


def ensure_lanes_group(conn: psycopg.Connection) -> None:
    """The group role every lane role belongs to (cluster-wide, so it may exist already)."""
    conn.execute(f"""DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{LANES_GROUP}') THEN
            CREATE ROLE {LANES_GROUP} NOLOGIN;
        END IF; END $$""")


def schema_version(conn: psycopg.Connection) -> int:
    exists = conn.execute("SELECT to_regclass('server_schema_version') IS NOT NULL").fetchone()[0]
    if not exists:
        return 0
    return conn.execute("SELECT COALESCE(MAX(version), 0) FROM server_schema_version").fetchone()[0]


def migrate(conn: psycopg.Connection) -> int:
    """Apply every migration the server has not had, in one transaction; returns the version."""
    with conn.transaction():
        ensure_lanes_group(conn)
        conn.execute("CREATE TABLE IF NOT EXISTS server_schema_version "
                     "(version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())")
        conn.execute("LOCK TABLE server_schema_version IN EXCLUSIVE MODE")
        version = schema_version(conn)
        if version > LATEST_VERSION:
            raise RuntimeError(f"the store server has schema version {version}; this pos-tui knows only "
                               f"up to {LATEST_VERSION}: upgrade pos-tui")
        for number in range(version + 1, LATEST_VERSION + 1):
            conn.execute(MIGRATIONS[number - 1])
            conn.execute("INSERT INTO server_schema_version (version) VALUES (%s)", (number,))
    return LATEST_VERSION
