-- id: macros
-- kind: stage
-- title: Helpers the analysis steps share
-- level: informational
-- status: test
-- description: Network prefixes and blocks of addresses, user-agent families and
--   classes, great-circle distances, and the reading of two-factor tokens.
-- references: RFC 4632 (CIDR), RFC 4291 (IPv6 text form)

-- The network an address belongs to, as CIDR text (IPv4 /24, IPv6 /48); NULL for a hashed or
-- unparsable address. IPv6 addresses written with '::' in their first three
-- groups are expanded only as far as those groups.
CREATE OR REPLACE TEMP MACRO ff_prefix(addr) AS
    CASE
        WHEN length(addr) - length(replace(addr, '.', '')) = 3 AND NOT contains(addr, ':') THEN
            -- string functions, not a regular expression: this runs on every login of the history
            left(addr, length(addr) - length(split_part(addr, '.', 4)) - 1) || '.0/24'
        WHEN contains(addr, ':') AND length(addr) <= 45 THEN
            array_to_string(list_transform((string_split(split_part(addr, '::', 1), ':') || ['0', '0', '0'])[1:3],
                                           x -> coalesce(nullif(lower(ltrim(x, '0')), ''), '0')), ':')
            || '::/48'
    END;

-- The larger block an address belongs to (IPv4 /16, IPv6 /32), which an
-- ISP's dynamic addresses mostly stay in; NULL as for ff_prefix.
CREATE OR REPLACE TEMP MACRO ff_block(addr) AS
    CASE
        WHEN length(addr) - length(replace(addr, '.', '')) = 3 AND NOT contains(addr, ':') THEN
            split_part(addr, '.', 1) || '.' || split_part(addr, '.', 2) || '.0.0/16'
        WHEN contains(addr, ':') AND length(addr) <= 45 THEN
            array_to_string(list_transform((string_split(split_part(addr, '::', 1), ':') || ['0', '0'])[1:2],
                                           x -> coalesce(nullif(lower(ltrim(x, '0')), ''), '0')), ':')
            || '::/32'
    END;

-- A user agent's family, as ua-parser names it in Warehouse's events, for
-- the common ones; 'Other' otherwise.
CREATE OR REPLACE TEMP MACRO ff_ua_family(ua) AS
    CASE
        WHEN ua IS NULL THEN NULL
        WHEN contains(ua, 'HeadlessChrome') THEN 'HeadlessChrome'
        WHEN contains(ua, 'Edg/') THEN 'Edge'
        WHEN contains(ua, 'Firefox/') THEN 'Firefox'
        WHEN contains(ua, 'Chrome/') THEN 'Chrome'
        WHEN contains(ua, 'Mobile/') AND contains(ua, 'Safari/') THEN 'Mobile Safari'
        WHEN contains(ua, 'Safari/') THEN 'Safari'
        WHEN starts_with(ua, 'python-requests/') THEN 'Python Requests'
        WHEN starts_with(ua, 'curl/') THEN 'curl'
        ELSE 'Other'
    END;

-- The class of client a user agent claims to be: 'browser' for an ordinary
-- browser (whose exact version a rotating attacker varies), otherwise the
-- product token (HeadlessChrome, python-requests, Go-http-client, ...).
CREATE OR REPLACE TEMP MACRO ff_ua_class(ua) AS
    CASE
        WHEN ua IS NULL THEN 'no user-agent'
        WHEN regexp_matches(ua, 'HeadlessChrome|PhantomJS|Electron|puppeteer|Selenium', 'i')
            THEN coalesce(nullif(regexp_extract(ua, '(HeadlessChrome|PhantomJS|Electron|puppeteer|Selenium)', 1, 'i'), ''), 'headless')
        WHEN starts_with(ua, 'Mozilla/') THEN 'browser'
        ELSE coalesce(nullif(regexp_extract(ua, '^([A-Za-z0-9._-]+)', 1), ''), 'other')
    END;

-- Great-circle distance in km between two points given in degrees.
CREATE OR REPLACE TEMP MACRO ff_km(lat1, lon1, lat2, lon2) AS
    2 * 6371 * asin(sqrt(pow(sin(radians(lat2 - lat1) / 2), 2)
                       + cos(radians(lat1)) * cos(radians(lat2)) * pow(sin(radians(lon2 - lon1) / 2), 2)));

-- Bytes of base64url text without padding, as itsdangerous writes it;
-- NULL when it is not base64.
CREATE OR REPLACE TEMP MACRO ff_b64url(s) AS
    try(from_base64(translate(s, '-_', '+/') || repeat('=', (4 - length(s) % 4) % 4)));

-- The token in a logged query string: up to the first '&', without a
-- leading '?'.
CREATE OR REPLACE TEMP MACRO ff_token_text(query) AS
    CASE WHEN starts_with(split_part(query, '&', 1), '?') THEN split_part(query, '&', 1)[2:] ELSE split_part(query, '&', 1) END;

-- The user id (lower-case UUID text) in Warehouse's two-factor token, and
-- when that token was issued, for each row of table tbl: its column query
-- is the query string of a second-factor page, whose token is
-- `<payload>.<timestamp>.<signature>`, the payload base64url of compact JSON
-- {"userid": "<uuid>", ...}, the timestamp big-endian Unix seconds in 1 to
-- 8 bytes, up to the year 9999. Both are NULL for anything else. The
-- signature is not checked: the payload is signed, not encrypted. A
-- zlib-compressed payload ('.' first) is read by the Go functions
-- ff_two_factor_user and ff_two_factor_issued (package twofactor), the
-- common plain one here, in bulk; a test holds the two to the same answers.
-- A table macro, each part of the token worked out once: as scalar macros
-- nested in each other, each token was split and decoded a dozen times.
CREATE OR REPLACE TEMP MACRO ff_token_read(tbl) AS TABLE
WITH parts AS (
    SELECT *, ff_token_text(query) AS token_text
    FROM query_table(tbl)
), stamps AS (
    SELECT *, ff_b64url(split_part(token_text, '.', 2)) AS token_stamp
    FROM parts
), plain AS (
    SELECT *, CASE WHEN octet_length(token_stamp) BETWEEN 1 AND 8
                        AND ('0x' || hex(token_stamp))::UBIGINT <= 253402300799
                   THEN to_timestamp(('0x' || hex(token_stamp))::BIGINT) END AS token_plain_issued
    FROM stamps
), users AS (
    SELECT *, CASE WHEN starts_with(token_text, '.') THEN ff_two_factor_user(token_text)
                   WHEN regexp_full_match(token_text, '[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{2,11}\.[A-Za-z0-9_-]+=*')
                        AND length(rtrim(split_part(token_text, '.', 3), '=')) % 4 <> 1
                        AND token_plain_issued IS NOT NULL
                       THEN lower(nullif(regexp_extract(
                                try(json_extract_string(try(decode(ff_b64url(split_part(token_text, '.', 1)))), '$.userid')),
                                '^([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})$', 1), ''))
              END AS userid
    FROM plain
)
SELECT * EXCLUDE (token_text, token_stamp, token_plain_issued, userid), userid,
       CASE WHEN userid IS NULL THEN NULL
            WHEN starts_with(token_text, '.') THEN ff_two_factor_issued(token_text)
            ELSE token_plain_issued
       END AS issued
FROM users;

-- A time as people read it in a sentence: to the minute, in UTC.
CREATE OR REPLACE TEMP MACRO ff_minute(t) AS strftime(t, '%Y-%m-%d %H:%M UTC');
