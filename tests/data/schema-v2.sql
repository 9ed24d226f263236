-- The schema as version 2 created it (metrics/queries.py schema_ddl() at commit 0364819), kept to test the
-- migration to later versions. Never edit: it is what databases made by that version hold.
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE SEQUENCE upload_id_seq START 1;
CREATE TABLE uploads (
    upload_id INTEGER PRIMARY KEY DEFAULT nextval('upload_id_seq'),
    file_name TEXT NOT NULL,
    sha256 TEXT,
    kind TEXT NOT NULL CHECK (kind IN ('sample', 'cities', 'figures')),
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    created_by TEXT,
    rows_inserted INTEGER NOT NULL DEFAULT 0,
    rows_updated INTEGER NOT NULL DEFAULT 0,
    rows_unchanged INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'committed' CHECK (status IN ('committed', 'undone')),
    undone_at TIMESTAMP
);
CREATE TABLE cell_history (
    upload_id INTEGER NOT NULL,
    table_name TEXT NOT NULL,
    city_code TEXT NOT NULL,
    year INTEGER,
    column_name TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    old_upload_id INTEGER,
    row_created BOOLEAN NOT NULL DEFAULT false
);
CREATE TABLE cities (
    city_code TEXT PRIMARY KEY,
    name_zh TEXT NOT NULL UNIQUE,
    name_en TEXT NOT NULL,
    province_zh TEXT NOT NULL,
    province_en TEXT NOT NULL,
    region TEXT NOT NULL CHECK (region IN ('east', 'central', 'west', 'northeast')),
    kind TEXT NOT NULL CHECK (kind IN ('city', 'park')),
    batch INTEGER NOT NULL CHECK (batch >= 1),
    designated_year INTEGER NOT NULL CHECK (designated_year >= 2000),
    lat DOUBLE CHECK (lat BETWEEN -90 AND 90),
    lon DOUBLE CHECK (lon BETWEEN -180 AND 180),
    upload_id INTEGER
);
CREATE TABLE matching_activities (
    city_code TEXT NOT NULL,
    year INTEGER NOT NULL CHECK (year >= 2000),
    activities INTEGER CHECK (activities >= 0),
    experts_participating INTEGER CHECK (experts_participating >= 0),
    enterprises_participating INTEGER CHECK (enterprises_participating >= 0),
    upload_id INTEGER NOT NULL,
    PRIMARY KEY (city_code, year)
);
CREATE TABLE agreements (
    city_code TEXT NOT NULL,
    year INTEGER NOT NULL CHECK (year >= 2000),
    agreements INTEGER CHECK (agreements >= 0),
    contract_value_10k_cny DECIMAL(18,2) CHECK (contract_value_10k_cny >= 0),
    upload_id INTEGER NOT NULL,
    PRIMARY KEY (city_code, year)
);
CREATE TABLE service_stations (
    city_code TEXT NOT NULL,
    year INTEGER NOT NULL CHECK (year >= 2000),
    stations_founded INTEGER CHECK (stations_founded >= 0),
    subcenters_founded INTEGER CHECK (subcenters_founded >= 0),
    upload_id INTEGER NOT NULL,
    PRIMARY KEY (city_code, year)
);
CREATE TABLE experts (
    city_code TEXT NOT NULL,
    year INTEGER NOT NULL CHECK (year >= 2000),
    experts_in_pool INTEGER CHECK (experts_in_pool >= 0),
    upload_id INTEGER NOT NULL,
    PRIMARY KEY (city_code, year)
);
