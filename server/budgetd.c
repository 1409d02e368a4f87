// SPDX-License-Identifier: MIT
// budgetd: serves budget disclosures from a store over HTTP.
#include "srv.h"
#include "proxy.h"
#include "reply.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "Usage: budgetd [--port N] [--bind ADDR] [--db PATH] [--static DIR] [--threads N]\n"
    "               [--cache-mb N] [--access-log PATH|-|off] [--max-connections N]\n"
    "               [--per-ip-limit N] [--timeout S] [--trusted-proxy ADDR[/BITS]]...\n"
    "               [--max-age S] [--s-maxage S] [--stale S] [--stale-while-revalidate S]\n"
    "\n"
    "Serves the budgetd JSON API (/api/v1/...) and the front page.\n"
    "\n"
    "  --port N      TCP port (default 8080; 0 picks a free one)\n"
    "  --bind ADDR   address to listen on (default 127.0.0.1; 0.0.0.0 for all)\n"
    "  --db PATH     the store (default: $BUDGETD_DB, else the user store of budgetctl\n"
    "                while it exists, else the bundled store)\n"
    "  --static DIR  folder of the front page (default: the bundled one)\n"
    "  --threads N   worker threads (default: one per core)\n"
    "  --cache-mb N  memory for ready-made answers (default 32; 0 turns the cache off)\n"
    "  --access-log PATH\n"
    "                one line per request to PATH (appended), - for stderr (default),\n"
    "                or off\n"
    "  --max-connections N\n"
    "                open connections at most (default 1000; fewer when the file limit\n"
    "                cannot hold them); at the limit a new one closes the oldest idle\n"
    "                connection, never a request being answered\n"
    "  --per-ip-limit N\n"
    "                connections from one client: IPv4 address or IPv6 /64 (default 64;\n"
    "                0: no limit, e.g. behind a reverse proxy)\n"
    "  --timeout S   close a connection that has not completed a request S seconds\n"
    "                after connecting or after its last answer (default 15; 3 while\n"
    "                more than 3/4 of --max-connections are open)\n"
    "  --trusted-proxy ADDR[/BITS]\n"
    "                a reverse proxy (IPv4 or IPv6 address or network; repeatable;\n"
    "                default: $BUDGETD_TRUSTED_PROXY, comma-separated): from it the\n"
    "                client is read from Forwarded or X-Forwarded-For for the access log,\n"
    "                and its connections are not held to --per-ip-limit\n"
    "  --max-age S   how long browsers keep an API answer (default 60)\n"
    "  --s-maxage S  how long shared caches (nginx, a CDN) keep an API answer, a page or\n"
    "                a 404 before they revalidate: a 304 from budgetd's cache (default 1)\n"
    "  --stale S     stale-if-error of API answers and pages: how long a shared cache may\n"
    "                serve its copy while budgetd cannot answer (default 86400; 0: none)\n"
    "  --stale-while-revalidate S\n"
    "                stale-while-revalidate of API answers (default 0: none; a shared\n"
    "                cache then serves an old figure once more after s-maxage)\n"
    "  -h, --help    this text\n"
    "\n"
    "Prints \"listening on URL\" on standard output once it serves. SIGHUP reopens the\n"
    "store and the access log. SIGINT or SIGTERM: stops accepting, finishes the requests\n"
    "in flight (up to 4 s), exits 0; a stop not done within 5 s exits 70. Exit codes:\n"
    "0 stopped by a signal, 64 bad usage, 66 store or static folder unreadable, 69\n"
    "cannot listen (e.g. port in use), 70 internal error or a stuck stop, 73 access log\n"
    "cannot be opened.\n";

static bool parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return false;
	*out = strtoul(s, &end, 10);
	return *end == '\0' && *out <= max;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "bind", required_argument, NULL, 'b' },
		{ "db", required_argument, NULL, 'd' },
		{ "static", required_argument, NULL, 's' },
		{ "threads", required_argument, NULL, 't' },
		{ "cache-mb", required_argument, NULL, 'c' },
		{ "access-log", required_argument, NULL, 'l' },
		{ "max-connections", required_argument, NULL, 'm' },
		{ "per-ip-limit", required_argument, NULL, 'i' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "trusted-proxy", required_argument, NULL, 'P' },
		{ "max-age", required_argument, NULL, 'A' },
		{ "s-maxage", required_argument, NULL, 'S' },
		{ "stale", required_argument, NULL, 'E' },
		{ "stale-while-revalidate", required_argument, NULL, 'W' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct srv_proxies proxies;
	char store[4096], later[4096], files[4096], err[200];
	const char *env, *from = "--trusted-proxy";
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	struct srv_config cfg = { .bind = "127.0.0.1",
		                  .port = 8080,
		                  .threads = cores > 0 ? (unsigned)cores : 1,
		                  .cache_bytes = 32u << 20,
		                  .max_connections = 1000,
		                  .per_ip = 64,
		                  .timeout = 15 };
	/* --max-age, --s-maxage, --stale-while-revalidate, --stale: see srv_cache_policy_set() */
	unsigned long n, cache[4] = { 60, 1, 0, 86400 };
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (!parse_uint(optarg, 65535, &n))
				goto bad;
			cfg.port = (uint16_t)n;
			break;
		case 'b':
			cfg.bind = optarg;
			break;
		case 'd':
			cfg.store = optarg;
			break;
		case 's':
			cfg.static_dir = optarg;
			break;
		case 't':
			if (!parse_uint(optarg, 256, &n) || n == 0)
				goto bad;
			cfg.threads = (unsigned)n;
			break;
		case 'c':
			if (!parse_uint(optarg, 65536, &n))
				goto bad;
			cfg.cache_bytes = (size_t)n << 20;
			break;
		case 'l':
			cfg.access_log = optarg;
			break;
		case 'm':
			if (!parse_uint(optarg, 1000000, &n) || n == 0)
				goto bad;
			cfg.max_connections = (unsigned)n;
			break;
		case 'i':
			if (!parse_uint(optarg, 1000000, &n))
				goto bad;
			cfg.per_ip = (unsigned)n;
			break;
		case 'T':
			if (!parse_uint(optarg, 86400, &n) || n == 0)
				goto bad;
			cfg.timeout = (unsigned)n;
			break;
		case 'P':
			if (srv_proxies_add(&proxies, optarg, err, sizeof(err)) != 0)
				goto bad_proxy;
			break;
		case 'A':
		case 'S':
		case 'W':
		case 'E':
			if (!parse_uint(optarg, 31536000,
			                &cache[c == 'A'   ? 0
			                       : c == 'S' ? 1
			                       : c == 'W' ? 2
			                                  : 3]))
				goto bad;
			break;
		case 'h':
			fputs(usage, stdout);
			return SRV_EXIT_OK;
		default:
			goto bad;
		}
	}
	if (optind != argc)
		goto bad;
	if (proxies.n == 0 && (env = getenv("BUDGETD_TRUSTED_PROXY")) != NULL) {
		from = "BUDGETD_TRUSTED_PROXY";
		if (srv_proxies_add_list(&proxies, env, err, sizeof(err)) != 0)
			goto bad_proxy;
	}
	cfg.proxies = &proxies;
	srv_cache_policy_set((unsigned)cache[0], (unsigned)cache[1], (unsigned)cache[2],
	                     (unsigned)cache[3]);
	if (cfg.store == NULL)
		cfg.store = getenv("BUDGETD_DB");
	/* With no store named: the user's store if it exists, else the bundled one until the
	 * user's is created (and again should it be removed). */
	if (cfg.store == NULL && srv_user_store(later, sizeof(later)) != NULL &&
	    access(later, F_OK) != 0) {
		cfg.later = later;
		cfg.store = srv_bundled_store(store, sizeof(store));
	}
	if (cfg.store == NULL)
		cfg.store = srv_default_store(store, sizeof(store));
	if (cfg.static_dir == NULL)
		cfg.static_dir = srv_default_static(files, sizeof(files));
	return srv_run(&cfg);
bad:
	fprintf(stderr, "budgetd: bad arguments (%s --help for usage)\n", argv[0]);
	return SRV_EXIT_USAGE;
bad_proxy:
	fprintf(stderr, "budgetd: %s %s\n", from, err);
	return SRV_EXIT_USAGE;
}
