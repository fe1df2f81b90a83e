-- Awkward rows for the live PostgreSQL tests, on Warehouse's own tables
-- (warehouse-schema.sql): newline, tab, backslash, quote and CJK in text and
-- names; IPv6 and IPv4-mapped addresses; JSON escapes; timestamps with 0 to
-- 6 fraction digits; every value of the enums. Every secret holds FFSECRET
-- (the TOTP secret as bytes, so its hex too), for tests to look for in
-- everything the tool writes. Ids start with e, so the tests can name them.

INSERT INTO ip_addresses (id, ip_address, is_banned, ban_reason, ban_date, hashed_ip_address, geoip_info) VALUES
('e1000000-0000-4000-8000-000000000001', '2001:db8::7', false, NULL, NULL, 'e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1',
 '{"city": "Z\u00fcrich \"Nord\" \\ tab\there nl\nline", "region": "東京", "country_code": "CH", "country_name": "Switzerland", "continent_code": "EU"}'),
('e1000000-0000-4000-8000-000000000002', '::ffff:198.51.100.77', true, 'authentication-attempts', '2024-03-30 20:00:00', 'e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2',
 '{"city": "Ashburn", "region": "VA", "country_code": "US", "latitude": 39.0438, "longitude": -77.4874}'),
('e1000000-0000-4000-8000-000000000003', '203.0.113.200', true, 'administrative', '2024-03-30 20:00:00.5', NULL, NULL),
('e1000000-0000-4000-8000-000000000004', '2001:db8::1', false, NULL, NULL, NULL, '{}');

INSERT INTO users (id, username, name, password, totp_secret, last_totp_value, is_active, is_frozen, disabled_for, date_joined, last_login, sitemap_bucket) VALUES
('e2000000-0000-4000-8000-000000000001', 'edge.frozen', E'Line one\nline two\ttab \\ backslash "quote" 名前', '$argon2id$v=19$m=65536,t=3,p=4$FFSECRETPW-1',
 'FFSECRETTOTP-1'::bytea, 'FFSECRETLTV-1', true, true, 'account frozen', '2019-01-01 00:00:00', '2024-03-30 20:00:01.1', 'e'),
('e2000000-0000-4000-8000-000000000002', 'edge_pwned', 'Pwned, "Person"', '!', NULL, NULL, true, false, 'password compromised', '2020-02-02 02:02:02.12', NULL, 'e'),
('e2000000-0000-4000-8000-000000000003', 'Edge-Admin', '', '*$2b$12$FFSECRETPW-3', ''::bytea, 'FFSECRETLTV-3', true, false, 'admin initiated', '2020-03-03 03:03:03.123', '2024-03-31 01:02:03.1234', 'e'),
('e2000000-0000-4000-8000-000000000004', 'edge4', '四', '$2b$12$FFSECRETPW-4', NULL, NULL, true, false, NULL, '2021-01-01 00:00:00.12345', '2024-03-29 23:59:59.999999', 'e'),
('e2000000-0000-4000-8000-000000000005', 'e5', E'back\\slash', '$argon2id$v=19$FFSECRETPW-5', NULL, NULL, false, false, NULL, '2022-05-05 05:05:05.123456', NULL, 'e');

INSERT INTO user_emails (id, user_id, email, "primary", verified, public, unverify_reason, transient_bounces) VALUES
(900001, 'e2000000-0000-4000-8000-000000000001', '用户@例え.jp', true, true, false, NULL, 0),
(900002, 'e2000000-0000-4000-8000-000000000002', '"odd,quote"@example.org', true, false, false, 'spam complaint', 0),
(900003, 'e2000000-0000-4000-8000-000000000003', 'admin@example.com', true, false, false, 'hard bounce', 3),
(900004, 'e2000000-0000-4000-8000-000000000004', 'four@example.net', true, false, false, 'soft bounce', 1),
(900005, 'e2000000-0000-4000-8000-000000000005', 'five@gmail.com', true, false, false, 'domain status invalid', 0);

INSERT INTO user_security_keys (id, user_id, credential_id, public_key, sign_count, label) VALUES
('e3000000-0000-4000-8000-000000000001', 'e2000000-0000-4000-8000-000000000001', 'FFSECRETCRED-1', 'FFSECRETPK-1', 7, 'ключ 鍵 "key"');

INSERT INTO user_recovery_codes (id, user_id, code, generated, burned) VALUES
('e4000000-0000-4000-8000-000000000001', 'e2000000-0000-4000-8000-000000000001', '$argon2id$FFSECRETRC-1', '2024-03-30 20:01:02.3', NULL),
('e4000000-0000-4000-8000-000000000002', 'e2000000-0000-4000-8000-000000000001', '$argon2id$FFSECRETRC-2', '2024-03-30 20:01:02.3', '2024-03-31 00:00:00.45');

INSERT INTO projects (id, name, normalized_name, created, sitemap_bucket, lifecycle_status) VALUES
('e5000000-0000-4000-8000-000000000001', E'edge\nproject\twith \\ "quotes", 项目', 'edge-project', '2020-01-01 00:00:00.000001', 'e', 'quarantine-enter'),
('e5000000-0000-4000-8000-000000000002', 'Edge_Archived', 'edge-archived', '2020-01-02 00:00:00', 'e', 'archived'),
('e5000000-0000-4000-8000-000000000003', 'edge.three', 'edge-three', '2020-01-03 00:00:00.3', 'e', 'quarantine-exit'),
('e5000000-0000-4000-8000-000000000004', 'edge4-tools', 'edge4-tools', NULL, 'e', 'archived-noindex');

INSERT INTO roles (id, role_name, user_id, project_id) VALUES
('e6000000-0000-4000-8000-000000000001', 'Owner', 'e2000000-0000-4000-8000-000000000001', 'e5000000-0000-4000-8000-000000000001'),
('e6000000-0000-4000-8000-000000000002', 'Maintainer', 'e2000000-0000-4000-8000-000000000004', 'e5000000-0000-4000-8000-000000000001');

INSERT INTO user_events (id, source_id, tag, time, additional, ip_address_id) VALUES
('e7000000-0000-4000-8000-000000000001', 'e2000000-0000-4000-8000-000000000001', 'account:login:failure', '2024-03-30 20:00:00',
 '{"reason": "invalid_password", "geoip_info": {"country_code": "CH"}, "user_agent_info": {"installer": "Browser", "device": "Other", "os": "Windows", "user_agent": "Chrome"}}', 'e1000000-0000-4000-8000-000000000001'),
('e7000000-0000-4000-8000-000000000002', 'e2000000-0000-4000-8000-000000000001', 'account:login:success', '2024-03-30 20:00:01.1',
 '{"two_factor_method": "totp", "two_factor_label": "tab\there \"q\" \\ 东京", "user_agent_info": {"installer": "pip", "implementation": "CPython", "system": "Linux"}}', 'e1000000-0000-4000-8000-000000000002'),
('e7000000-0000-4000-8000-000000000003', 'e2000000-0000-4000-8000-000000000002', 'account:password:disabled', '2024-03-30 20:00:02.12',
 '{"reason": "password compromised"}', NULL),
('e7000000-0000-4000-8000-000000000004', 'e2000000-0000-4000-8000-000000000003', 'account:two_factor:method_added', '2024-03-30 20:00:03.123',
 '{"method": "webauthn", "label": "ключ\n2"}', 'e1000000-0000-4000-8000-000000000003'),
('e7000000-0000-4000-8000-000000000005', 'e2000000-0000-4000-8000-000000000004', 'account:email:sent', '2024-03-30 20:00:04.1234',
 '{"from_": "admin@pypi.org", "to": "four@example.net", "subject": "Line\nbreak \u2028 sep \u0001", "redact_ip": false}', 'e1000000-0000-4000-8000-000000000004'),
('e7000000-0000-4000-8000-000000000006', 'e2000000-0000-4000-8000-000000000005', 'account:login:failure', '2024-03-30 20:00:05.12345', NULL, 'e1000000-0000-4000-8000-000000000004'),
('e7000000-0000-4000-8000-000000000007', 'e2000000-0000-4000-8000-000000000005', 'account:recovery_codes:used', '2024-03-30 20:00:06.123456', '{}', 'e1000000-0000-4000-8000-000000000001');

INSERT INTO project_events (id, source_id, tag, time, additional, ip_address_id) VALUES
('e8000000-0000-4000-8000-000000000001', 'e5000000-0000-4000-8000-000000000001', 'project:release:add', '2024-03-30 21:00:00.5',
 '{"submitted_by": "edge.frozen", "canonical_version": "1.0", "publisher_url": null, "uploaded_via_trusted_publisher": false}', 'e1000000-0000-4000-8000-000000000001');

INSERT INTO releases (id, project_id, version, canonical_version) VALUES
('e9000000-0000-4000-8000-000000000001', 'e5000000-0000-4000-8000-000000000001', '1.0', '1.0');

INSERT INTO release_files (id, release_id, python_version, packagetype, filename, path, size, md5_digest, sha256_digest, blake2_256_digest)
SELECT ('ea000000-0000-4000-8000-00000000000' || n)::uuid, 'e9000000-0000-4000-8000-000000000001', 'source', t,
       'edge-1.0-' || t::text, 'e/edge-1.0-' || t::text, 1, md5(t::text), encode(sha256(t::text::bytea), 'hex'), md5(t::text || 'b')
FROM unnest(enum_range(NULL::packagetype)) WITH ORDINALITY AS p(t, n);

INSERT INTO file_events (id, source_id, tag, time, additional, ip_address_id) VALUES
('eb000000-0000-4000-8000-000000000001', 'ea000000-0000-4000-8000-000000000008', 'file:add', '2024-03-30 21:00:01.25',
 '{"submitted_by": "edge.frozen", "canonical_version": "1.0", "filename": "edge-1.0-sdist", "project_id": "e5000000-0000-4000-8000-000000000001"}', 'e1000000-0000-4000-8000-000000000001');

INSERT INTO user_unique_logins (user_id, ip_address_id, status) VALUES
('e2000000-0000-4000-8000-000000000001', 'e1000000-0000-4000-8000-000000000001', 'pending'),
('e2000000-0000-4000-8000-000000000004', 'e1000000-0000-4000-8000-000000000002', 'confirmed');
