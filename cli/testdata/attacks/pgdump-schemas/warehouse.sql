--
-- PostgreSQL database dump
--

SET statement_timeout = 0;

COPY public.ip_addresses (id, ip_address) FROM stdin;
1b0b7a9e-0000-4000-8000-000000000001	203.0.113.9
1b0b7a9e-0000-4000-8000-000000000002	198.51.100.7
\.

COPY audit.users (id, username, password) FROM stdin;
5b0b7a9e-0000-4000-8000-00000000aaaa	auditor	SECRETPW-audit
\.

COPY public.users (id, username, password, date_joined) FROM stdin;
5b0b7a9e-0000-4000-8000-000000000001	alice	SECRETPW-alice	2020-01-01 00:00:00
5b0b7a9e-0000-4000-8000-000000000002	bob	SECRETPW-bob	2020-01-01 00:00:00
5b0b7a9e-0000-4000-8000-000000000003	carol	SECRETPW-carol	2020-01-01 00:00:00
5b0b7a9e-0000-4000-8000-000000000004	dave\xyz	SECRETPW-dave	2020-01-01 00:00:00
\.

COPY public.user_events (id, source_id, tag, "time", additional, ip_address_id) FROM stdin;
7b0b7a9e-0000-4000-8000-000000000030	5b0b7a9e-0000-4000-8000-000000000001	account:login:success	2024-03-30 20:00:00	{"two_factor_method": null}	1b0b7a9e-0000-4000-8000-000000000001
7b0b7a9e-0000-4000-8000-000000000031	5b0b7a9e-0000-4000-8000-000000000002	account:login:success	2024-03-30 20:00:00	{"two_factor_method": null}	1b0b7a9e-0000-4000-8000-000000000001
7b0b7a9e-0000-4000-8000-000000000032	5b0b7a9e-0000-4000-8000-000000000003	account:login:success	2024-03-30 20:00:00	{"two_factor_method": null}	1b0b7a9e-0000-4000-8000-000000000001
\.

