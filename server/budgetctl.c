// SPDX-License-Identifier: MIT
// budgetctl: the operator's tool. Validates import files, loads them into a store in one
// transaction, reads disclosures back out, and upgrades a store of an older schema.
#include "srv.h"

#include "amounts.h"

#include "audit.h"
#include "ingest.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
    "Usage: budgetctl COMMAND [OPTIONS] [ARGS]\n"
    "\n"
    "Commands:\n"
    "  import [--db PATH] [--fresh] FILE...   validate FILEs, then load them all or none\n"
    "  validate FILE...                       check FILEs, write nothing\n"
    "  export [--db PATH] [--level department|unit] DEPARTMENT YEAR [budget|final]\n"
    "                                         print one disclosure in the import format\n"
    "  list [--db PATH]                       list departments and their years\n"
    "  upgrade [--db PATH]                    upgrade a schema version 1-5 store in place\n"
    "  backup [--db PATH] DEST                write a checked, consistent copy of the store\n"
    "  restore [--db PATH] BACKUP             check BACKUP, then put a copy of it in place\n"
    "  prune [--db PATH] [--min-age SECONDS] [--dry-run]\n"
    "                                         remove kept PDFs and page images no disclosure\n"
    "                                         names any more\n"
    "  audit [--json] FILE.pdf|FILE.json      check one disclosure for inconsistencies\n"
    "  audit [--json] [--db PATH] [--level department|unit] DEPARTMENT YEAR [budget|final]\n"
    "  help [COMMAND]                         show help\n"
    "\n"
    "The import format is described in docs/import-format.md.\n"
    "--db defaults to $BUDGETD_DB, else the user store\n"
    "($XDG_DATA_HOME or ~/.local/share, then budgetd/budgetd.sqlite): import creates it on\n"
    "first use from a copy of the bundled store; the other commands read the bundled store\n"
    "while there is no user store.\n"
    "\n"
    "Exit codes: 0 success; 1 disclosure not found; 64 bad usage; 65 an import file is\n"
    "invalid or unreadable, or two are the same disclosure (nothing was written); 66 the\n"
    "store cannot be read (not a budgetd store, damaged; a version 1-5 store: run upgrade);\n"
    "73 the store cannot be written (permissions, disk full), was replaced during the import\n"
    "(restore), or cannot be upgraded (it is unchanged).\n"
    "extract: 65 the PDF is unusable (not a PDF, encrypted, no text layer, damaged, over\n"
    "200 pages, not a disclosure); 66 it cannot be read; 69 pdftotext/pdfinfo are missing;\n"
    "73 OUT cannot be written. Nothing is written on failure.\n"
    "audit: 0 nothing found; 1 findings; 65 FILE is invalid or an unusable PDF; 66 FILE or\n"
    "the store cannot be read, or the store has no such disclosure.\n";

static const char usage_import[] =
    "Usage: budgetctl import [--db PATH] [--fresh] [--files-from LIST] [--pdfs DIR] FILE...\n"
    "\n"
    "Validates every FILE completely, then imports them in one transaction: all land or\n"
    "none does. A disclosure already in the store (same department, year, kind and level)\n"
    "is replaced; department and project ids stay the same. Problems are printed as\n"
    "FILE:LINE:COLUMN: JSON-PATH: message. After an import, PATH.snapshot is a consistent\n"
    "copy of the whole store (budgetd serves it as /api/v1/snapshot.sqlite) and PATH.amounts.csv\n"
    "every amount of its tables, one line each (served as /api/v1/amounts.csv).\n"
    "\n"
    "  --db PATH   the store to write (created if missing; default $BUDGETD_DB, else the\n"
    "              user store, started from a copy of the bundled store on first use)\n"
    "  --fresh     build a new store holding only FILEs and move it into place at PATH\n"
    "              (for building a store no budgetd is serving yet)\n"
    "  --files-from LIST  import the files LIST names too, one per line (- reads standard\n"
    "              input): for more files than one command line can hold\n"
    "  --pdfs DIR  where to look for the published PDFs too: a FILE made by `budgetctl\n"
    "              extract` names its PDF (source.file, source.sha256); found beside FILE\n"
    "              or in DIR, and the same file, it is kept as PATH.files/SHA256.pdf and\n"
    "              served as .../source.pdf, and each of its pages is rendered once as\n"
    "              PATH.files/SHA256-N.png (pdftoppm), which the page shows\n";

static const char usage_validate[] =
    "Usage: budgetctl validate FILE...\n"
    "\n"
    "Runs every check of `import` on each FILE and writes nothing. Exit code 0 if all\n"
    "files are valid, 65 otherwise.\n";

static const char usage_export[] =
    "Usage: budgetctl export [--db PATH] [--level department|unit] DEPARTMENT YEAR "
    "[budget|final]\n"
    "\n"
    "Prints the stored disclosure as an import file of format 2 (amounts with their\n"
    "published decimals and without thousands separators, codes split). --level picks the\n"
    "部门 (department, the default) or 单位 (unit) disclosure.\n";

static const char usage_list[] = "Usage: budgetctl list [--db PATH]\n"
                                 "\n"
                                 "Prints one line per department: id, years, name.\n";

static const char usage_upgrade[] =
    "Usage: budgetctl upgrade [--db PATH]\n"
    "\n"
    "Upgrades a store of schema version 1 to 5 to version 6 in place, in one transaction:\n"
    "a failure or a kill leaves it as it was. Every disclosure and figure is kept. A store\n"
    "already at version 6 is left alone, but its long CSV (PATH.amounts.csv) is rewritten\n"
    "when an older budgetd wrote it with fewer columns. Exit code 0 when the store is at\n"
    "version 6.\n";

static const char usage_backup[] =
    "Usage: budgetctl backup [--db PATH] DEST\n"
    "\n"
    "Writes a consistent copy of the store to DEST, safe while budgetd serves it and while\n"
    "an import writes it: the copy holds every import committed before it began and none\n"
    "that commits during it. The copy is one file (rollback journal, no -wal: it opens\n"
    "read-only from a read-only folder), checked (PRAGMA quick_check, schema version, the\n"
    "disclosures read) and fsynced beside DEST, then renamed over it: DEST is the old file\n"
    "or the new one, never part of one. The published PDFs and page images the store keeps\n"
    "beside it (PATH.files/) go to DEST.files/, hard-linked where they can be.\n"
    "\n"
    "Exit codes: 0 written; 64 bad usage; 66 the store cannot be read (not a budgetd store,\n"
    "damaged, another schema version); 73 DEST cannot be written (DEST is unchanged).\n";

static const char usage_restore[] =
    "Usage: budgetctl restore [--db PATH] BACKUP\n"
    "\n"
    "Checks BACKUP as `backup` checks its copy, writes a copy of it beside PATH, and renames\n"
    "that over PATH (removing PATH-wal, -shm and -journal first, so that SQLite never\n"
    "replays them onto it). A budgetd serving PATH takes the new file up within about 20 ms.\n"
    "The PDFs and page images BACKUP.files/ holds are added to PATH.files/ first. Then rewrites\n"
    "PATH.snapshot and PATH.amounts.csv, as an import does. A BACKUP that is\n"
    "not a budgetd store, is damaged or truncated, or has another schema version leaves\n"
    "PATH untouched.\n"
    "\n"
    "Exit codes: 0 restored; 64 bad usage; 66 BACKUP cannot be read or is not a good store\n"
    "of this version; 73 PATH cannot be written (PATH is unchanged).\n";

static const char usage_prune[] =
    "Usage: budgetctl prune [--db PATH] [--min-age SECONDS] [--dry-run]\n"
    "\n"
    "Removes the published PDFs and page images kept beside the store (PATH.files/) that no\n"
    "disclosure of it names any more (one re-imported with another PDF, or gone), and the\n"
    "temporaries of writers that were killed. It holds the store's write lock meanwhile: an\n"
    "import into the store waits for it, and it for an import. A file kept in the last\n"
    "SECONDS (default 86400, a day) stays, as does one an import or restore found there and\n"
    "used: an `import --fresh` or a `restore` under way keeps files for the store it is about\n"
    "to put in place, which no disclosure of this one names yet. Prints what it removed.\n"
    "\n"
    "  --min-age SECONDS  leave files kept more recently than this (0: no file is spared for\n"
    "                     its age; only when no `import --fresh` or `restore` is running)\n"
    "  --dry-run          print what would be removed, remove nothing\n"
    "\n"
    "Exit codes: 0 done; 64 bad usage; 66 the store cannot be read; 73 a file cannot be\n"
    "removed, or the store stayed locked by a writer for 10 s.\n";

static const char usage_extract[] =
    "Usage: budgetctl extract [--id SLUG] FILE.pdf [-o OUT.json]\n"
    "\n"
    "Reads a disclosure PDF's text layer (with poppler's pdftotext, run as a separate\n"
    "process) and writes an import file (format budgetd-disclosure/2) to OUT, or to standard\n"
    "output: department, year, kind, level, every table the table registry knows with its\n"
    "columns, rows, codes and figures as printed, and the page and box of every cell.\n"
    "What it cannot place is reported on standard error as FILE:pPAGE: what: text.\n"
    "\n"
    "  --id SLUG   the department's id (default: the file name without -budget, -final,\n"
    "              -dept, -unit and the year)\n"
    "  -o OUT      write OUT (through a temporary file, so OUT is whole or untouched)\n"
    "\n"
    "Exit codes: 0 written; 64 bad usage; 65 the PDF is unusable (not a PDF, encrypted, no\n"
    "text layer, damaged or truncated, over 200 pages, not a disclosure); 66 FILE cannot be\n"
    "read; 69 pdftotext or pdfinfo cannot be run (install poppler-utils); 70 internal error;\n"
    "73 OUT cannot be written.\n";

static const char usage_audit[] =
    "Usage: budgetctl audit [--json] FILE.pdf | FILE.json\n"
    "       budgetctl audit [--json] [--db PATH] [--level department|unit] DEPARTMENT YEAR\n"
    "                       [budget|final]\n"
    "\n"
    "Checks one disclosure for inconsistencies: table identities (levels, totals, columns,\n"
    "收=支, 三公), the same quantity in two tables, the explanations against the tables\n"
    "(amounts, changes, shares, completion rates, direction words) and the document (years\n"
    "in headings, template residue, empty tables, doubled punctuation). A PDF is read as\n"
    "`extract` reads it; FILE.json is validated first, as `validate` does; with DEPARTMENT\n"
    "YEAR the stored disclosure is checked. One finding per line, like a compiler's:\n"
    "FILE:pPAGE: SEVERITY RULE: message. --json prints the findings as a JSON array.\n"
    "\n"
    "Exit codes: 0 nothing found; 1 findings; 64 bad usage; 65 FILE is invalid or an\n"
    "unusable PDF; 66 FILE or the store cannot be read, or the store has no such disclosure;\n"
    "69 pdftotext/pdfinfo are missing; 70 internal error.\n";

struct cmd_opts {
	const char *db;
	const char *level;
	const char *files_from;
	const char *pdfs; /* --pdfs DIR: where import looks for the PDFs too */
	const char *min_age; /* prune --min-age SECONDS */
	bool fresh;
	bool dry_run; /* prune --dry-run */
	bool user_store; /* db is the user store, named by no --db nor $BUDGETD_DB */
};

static char store_buf[4096];

/* The verbs that write a store. With no --db they write the user store (created on the first
 * import), never the bundled one, which a build or an install owns; the others read the user
 * store if there is one, else the bundled store, as budgetd does. */
static bool writes_store(const char *verb)
{
	return strcmp(verb, "import") == 0 || strcmp(verb, "upgrade") == 0 ||
	       strcmp(verb, "restore") == 0 || strcmp(verb, "prune") == 0;
}

/* o->db for a writing verb when none was named: the user store (its folder is made by the
 * command, once its arguments are known to be right: user_store_dir()). */
static int user_store_opts(struct cmd_opts *o)
{
	if (srv_user_store(store_buf, sizeof(store_buf)) == NULL) {
		fprintf(stderr, "budgetctl: no --db, and neither $XDG_DATA_HOME nor $HOME is an "
		                "absolute path: name the store with --db\n");
		return -1;
	}
	o->db = store_buf;
	o->user_store = true;
	return 0;
}

/* Makes the user store's missing folders, when o->db is the user store. */
static int user_store_dir(const struct cmd_opts *o)
{
	if (!o->user_store || srv_user_store_dir(o->db) == 0)
		return SRV_EXIT_OK;
	fprintf(stderr, "budgetctl: %s: cannot create its folder: %s\n", o->db, strerror(errno));
	return SRV_EXIT_CANTCREAT;
}

/* allowed: the letters of the command's options besides --db and --help ("f" --fresh,
 * "l" --level, "F" --files-from, "p" --pdfs, "a" --min-age, "D" --dry-run). */
static int parse_opts(int argc, char **argv, struct cmd_opts *o, const char *help,
                      const char *allowed)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "fresh", no_argument, NULL, 'f' },
		{ "level", required_argument, NULL, 'l' },
		{ "files-from", required_argument, NULL, 'F' },
		{ "pdfs", required_argument, NULL, 'p' },
		{ "min-age", required_argument, NULL, 'a' },
		{ "dry-run", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'd') {
			o->db = optarg;
		} else if (c == 'f' && strchr(allowed, 'f') != NULL) {
			o->fresh = true;
		} else if (c == 'l' && strchr(allowed, 'l') != NULL) {
			o->level = optarg;
		} else if (c == 'F' && strchr(allowed, 'F') != NULL) {
			o->files_from = optarg;
		} else if (c == 'p' && strchr(allowed, 'p') != NULL) {
			o->pdfs = optarg;
		} else if (c == 'a' && strchr(allowed, 'a') != NULL) {
			o->min_age = optarg;
		} else if (c == 'D' && strchr(allowed, 'D') != NULL) {
			o->dry_run = true;
		} else if (c == 'h') {
			fputs(help, stdout);
			exit(SRV_EXIT_OK);
		} else {
			fputs(help, stderr);
			return -1;
		}
	}
	if (o->db == NULL)
		o->db = getenv("BUDGETD_DB");
	if (o->db == NULL && writes_store(argv[0]))
		return user_store_opts(o);
	if (o->db == NULL)
		o->db = srv_default_store(store_buf, sizeof(store_buf));
	return 0;
}

/* The length of an invisible character's UTF-8 encoding at s, or 0: the C0 and C1
 * controls, DEL, the bidirectional controls U+202A-202E and U+2066-2069, and U+2028/2029.
 * Printed raw, a CR or ESC rewrites the terminal and U+202E reverses what follows. */
static size_t invisible_at(const unsigned char *s)
{
	if (*s < 0x20 || *s == 0x7F)
		return 1;
	if (s[0] == 0xC2 && s[1] >= 0x80 && s[1] <= 0x9F)
		return 2;
	if (s[0] == 0xE2 && s[1] == 0x80 && s[2] >= 0xA8 && s[2] <= 0xAE)
		return 3;
	if (s[0] == 0xE2 && s[1] == 0x81 && s[2] >= 0xA6 && s[2] <= 0xA9)
		return 3;
	return 0;
}

/* Prints one character of text from a store or an import file, which may come from
 * anywhere: an invisible one as \uXXXX and a backslash as \\, so that one line stays one
 * line and shows what is there. Returns the bytes it took. */
static size_t put_char(const unsigned char *s, FILE *f)
{
	size_t n = invisible_at(s);

	if (n == 1)
		fprintf(f, "\\u%04x", s[0]);
	else if (n == 2)
		fprintf(f, "\\u%04x", s[1]);
	else if (n == 3)
		fprintf(f, "\\u%04x", 0x2000u + (s[1] & 0x3Fu) * 64 + (s[2] & 0x3Fu));
	else if (*s == '\\')
		fputs("\\\\", f);
	else
		fputc(*s, f);
	return n ? n : 1;
}

static void put_text(const char *text, FILE *f)
{
	for (const unsigned char *s = (const unsigned char *)text; s != NULL && *s != '\0';)
		s += put_char(s, f);
}

static void print_error(void *ctx, const struct db_error *e)
{
	int *count = ctx;

	++*count;
	put_text(e->file[0] ? e->file : "budgetctl", stderr);
	if (e->line > 0)
		fprintf(stderr, ":%d:%d", e->line, e->column);
	fputs(": ", stderr);
	put_text(e->path, stderr);
	fputs(e->path[0] ? ": " : "", stderr);
	put_text(e->text, stderr);
	fputc('\n', stderr);
}

static void add_stats(struct db_doc_stats *t, const struct db_doc *doc)
{
	struct db_doc_stats s;

	db_doc_stats(doc, &s);
	t->tables += s.tables;
	t->rows += s.rows;
	t->amounts += s.amounts;
	t->projects += s.projects;
	t->indicators += s.indicators;
	t->figures += s.figures;
}

static void summary(const struct db_doc_stats *t, int n, const char *verb, const char *db)
{
	printf("%s %d disclosure%s%s%s: %zu tables, %zu rows, %zu amounts, %zu projects, "
	       "%zu indicators, %zu explained figures\n",
	       verb, n, n == 1 ? "" : "s", db ? " into " : "", db ? db : "", t->tables, t->rows,
	       t->amounts, t->projects, t->indicators, t->figures);
}

/* Files are read and validated on a second thread while the first writes to SQLite: on a
 * two-core machine that overlaps the two halves of an import. A short queue keeps memory
 * bounded whatever the number of files. */
#define QUEUE 8

struct reader {
	const char *store; /* for messages */
	char **files;
	int n;
	pthread_mutex_t lock;
	pthread_cond_t changed;
	struct db_doc *queue[QUEUE]; /* NULL for a file that was not valid */
	int head, count;
	int errors; /* problems reported so far */
	bool stop; /* the writer gave up: read no further */
	double cpu; /* seconds the reading thread ran (parse and validate), for stage() */
};

/* ---- BUDGETCTL_STAGES=1: where an import's time goes, on stderr (issue #17) ---- */
static double seconds(clockid_t clock)
{
	struct timespec t;

	clock_gettime(clock, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Prints the wall time since the previous stage ended, named what. */
static void stage(const char *what)
{
	static double last, last_cpu;
	double now = seconds(CLOCK_MONOTONIC), cpu = seconds(CLOCK_THREAD_CPUTIME_ID);

	if (getenv("BUDGETCTL_STAGES") != NULL && what != NULL)
		fprintf(stderr, "stage %-10s %8.3f s, cpu %8.3f s\n", what, now - last,
		        cpu - last_cpu);
	last = now;
	last_cpu = cpu;
}
/* ---- end of the stage timer ---- */

static void *read_files(void *arg)
{
	struct reader *r = arg;
	int errors = 0;

	for (int i = 0; i < r->n; i++) {
		struct db_doc *doc = db_doc_load(r->files[i], print_error, &errors);
		pthread_mutex_lock(&r->lock);
		while (r->count == QUEUE && !r->stop)
			pthread_cond_wait(&r->changed, &r->lock);
		if (r->stop) {
			pthread_mutex_unlock(&r->lock);
			db_doc_free(doc);
			break;
		}
		r->queue[(r->head + r->count++) % QUEUE] = doc;
		r->errors = errors;
		pthread_cond_broadcast(&r->changed);
		pthread_mutex_unlock(&r->lock);
	}
	r->cpu = seconds(CLOCK_THREAD_CPUTIME_ID);
	return NULL;
}

/* The next file's document (NULL if it was not valid); *errors = problems so far. */
static struct db_doc *next_doc(struct reader *r, int *errors)
{
	struct db_doc *doc;

	pthread_mutex_lock(&r->lock);
	while (r->count == 0)
		pthread_cond_wait(&r->changed, &r->lock);
	doc = r->queue[r->head];
	r->head = (r->head + 1) % QUEUE;
	r->count--;
	*errors = r->errors;
	pthread_cond_broadcast(&r->changed);
	pthread_mutex_unlock(&r->lock);
	return doc;
}

static void stop_reading(struct reader *r, pthread_t thread)
{
	pthread_mutex_lock(&r->lock);
	r->stop = true;
	pthread_cond_broadcast(&r->changed);
	pthread_mutex_unlock(&r->lock);
	pthread_join(thread, NULL);
	for (; r->count > 0; r->count--, r->head = (r->head + 1) % QUEUE)
		db_doc_free(r->queue[r->head]);
}

/* Stores what the audit rules find in doc with it. A document is never refused for its
 * findings: when the rules fail or give malformed findings it is kept without them, and
 * says so. Returns 0, or -1 with *err filled when the store fails. */
static int add_findings(struct db_import *im, const struct db_doc *doc, struct db_error *err)
{
	json_t *findings = srv_findings_for(db_doc_json(doc));
	struct db_error ferr = { 0 };
	int rc = 0;

	if (findings == NULL) {
		fprintf(stderr, "%s: warning: the audit rules failed; imported without findings\n",
		        db_doc_department(doc));
		return 0;
	}
	if (db_import_add_findings(im, findings, &ferr) != 0) {
		if (ferr.code == DB_BAD_FINDINGS) {
			fprintf(stderr, "%s: warning: %s; imported without findings\n",
			        db_doc_department(doc), ferr.text);
		} else {
			*err = ferr;
			rc = -1;
		}
	}
	json_decref(findings);
	return rc;
}

/* Reports a failed import: the file at fault is the store unless store is NULL (then err
 * names the import file). Returns the exit code: 65 for a duplicate, 66 for a store that is
 * not one or is damaged, 73 for one that cannot be written. */
static int store_failed(const char *store, const struct db_error *err)
{
	fputs(store ? "budgetctl: " : "", stderr);
	put_text(store ? store : err->file[0] ? err->file : "budgetctl", stderr);
	fputs(": ", stderr);
	put_text(err->text, stderr);
	fputc('\n', stderr);
	return err->code == DB_DUPLICATE   ? SRV_EXIT_DATA
	       : err->code == DB_BAD_STORE ? SRV_EXIT_NOINPUT
	                                   : SRV_EXIT_CANTCREAT;
}

/* The long CSV this import starts from (amounts.h): each disclosure written is marked in it,
 * so that its old lines are not copied. NULL for a whole rewrite. */
static struct amounts_old *amounts_before;

/* ---- the published PDF, kept beside the store (issue #18) ---- */

/* --pdfs DIR: where a document's PDF is looked for after the folder of its file. */
static const char *pdf_dir;

/* dir/name into buf when it is a regular file; false otherwise. */
static bool pdf_at(char *buf, size_t size, const char *dir, const char *name)
{
	struct stat sb;
	int n = snprintf(buf, size, "%s/%s", dir, name);

	return n > 0 && (size_t)n < size && stat(buf, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* Keeps each page of pdf (SHA-256 sha256, pages long) as a PNG beside the store,
 * PATH.files/SHA256-N.png, rendered once: a page already there is not rendered again. A
 * page that cannot be rendered (pdftoppm missing, a damaged page) is said once, on stderr,
 * and the disclosure keeps the pages before it and its figures: it is never a reason to
 * refuse the import. Returns 0, or -1 after printing why when a page cannot be written. */
static int keep_pages(const char *store, const char *file, const char *pdf, const char *sha256,
                      int pages)
{
	struct ingest_error err = { 0 };
	char name[96], why[4500];
	unsigned char *png;
	size_t len;
	int rc;

	for (int n = 1; n <= pages && n <= INGEST_MAX_PAGES; n++) {
		snprintf(name, sizeof(name), "%s-%d.png", sha256, n);
		if (srv_keep_again(store, name))
			continue;
		if (ingest_page_png(pdf, n, INGEST_PAGE_DPI, &png, &len, &err) != 0) {
			fprintf(stderr,
			        "%s: warning: page %d of its PDF could not be rendered (%s): "
			        "imported without its page images from there on\n",
			        file, n, err.text);
			return 0;
		}
		rc = srv_keep_bytes(store, name, png, len, why, sizeof(why));
		free(png);
		if (rc != 0) {
			fprintf(stderr,
			        "budgetctl: cannot keep page %d of %s beside the store: %s\n", n,
			        pdf, why);
			return -1;
		}
	}
	return 0;
}

/* Keeps the PDF doc was extracted from beside the store at store, when doc names one
 * (source.file and source.sha256, as `budgetctl extract` writes them) and it is found: in
 * the folder of file (the import file), else in --pdfs. A PDF that is not there, or is not
 * the file sha256 names, is reported and the disclosure imported without it; only a PDF
 * that cannot be written fails the import. Returns 0, or -1 after printing why. */
static int keep_pdf(const char *store, const char *file, const struct db_doc *doc)
{
	const json_t *src = json_object_get(db_doc_json(doc), "source");
	const char *name = json_string_value(json_object_get(src, "file"));
	const char *sha256 = json_string_value(json_object_get(src, "sha256"));
	char dir[4096], pdf[4400], got[65] = "", why[4500];

	if (name == NULL || sha256 == NULL || strchr(name, '/') != NULL || name[0] == '.')
		return 0; /* typed in by hand, or a name that is not a file's */
	snprintf(dir, sizeof(dir), "%s", file);
	if (!pdf_at(pdf, sizeof(pdf), dirname(dir), name) &&
	    (pdf_dir == NULL || !pdf_at(pdf, sizeof(pdf), pdf_dir, name))) {
		fprintf(stderr, "%s: note: its PDF %s is not beside it%s: imported without it\n",
		        file, name, pdf_dir != NULL ? " nor in --pdfs" : "");
		return 0;
	}
	if (ingest_sha256_file(pdf, got) != 0 || strcmp(got, sha256) != 0) {
		fprintf(stderr,
		        "%s: warning: %s is not the file its source.sha256 names (%s): imported "
		        "without it\n",
		        file, pdf, got[0] != '\0' ? "another SHA-256" : "unreadable");
		return 0;
	}
	if (srv_keep_file(store, pdf, sha256, ".pdf", why, sizeof(why)) != 0) {
		fprintf(stderr, "budgetctl: cannot keep %s beside the store: %s\n", pdf, why);
		return -1;
	}
	return keep_pages(store, file, pdf, sha256,
	                  (int)json_integer_value(json_object_get(src, "pages")));
}

/* Writes every file into one transaction while all are valid; any problem rolls all of it
 * back, and later files are still checked so that every problem is reported. Returns the
 * exit code. */
static int write_files(struct db_import *im, struct reader *r, struct db_doc_stats *total)
{
	struct db_error err = { 0 };
	int errors = 0;

	for (int i = 0; i < r->n; i++) {
		struct db_doc *doc = next_doc(r, &errors);
		if (doc != NULL && errors == 0) {
			add_stats(total, doc);
			amounts_touch(amounts_before, db_doc_department(doc), db_doc_year(doc),
			              db_doc_kind(doc), db_doc_level(doc));
			if (db_import_add(im, doc, &err) != 0 || add_findings(im, doc, &err) != 0) {
				db_doc_free(doc);
				return store_failed(err.code == DB_DUPLICATE ? NULL : r->store,
				                    &err);
			}
			if (keep_pdf(r->store, r->files[i], doc) != 0) {
				db_doc_free(doc);
				return SRV_EXIT_CANTCREAT;
			}
		}
		db_doc_free(doc);
	}
	return errors != 0 ? SRV_EXIT_DATA : SRV_EXIT_OK;
}

static int stream(struct db *db, const char *store, char **files, int n, struct db_doc_stats *total)
{
	struct reader r = { .store = store, .files = files, .n = n };
	struct db_error err = { 0 };
	struct db_import *im = db_import_begin(db, &err);
	pthread_t thread;
	int rc;

	if (im == NULL)
		return store_failed(store, &err);
	pthread_mutex_init(&r.lock, NULL);
	pthread_cond_init(&r.changed, NULL);
	if (pthread_create(&thread, NULL, read_files, &r) != 0) {
		db_import_abort(im);
		return SRV_EXIT_SOFTWARE;
	}
	rc = write_files(im, &r, total);
	stop_reading(&r, thread);
	if (getenv("BUDGETCTL_STAGES") != NULL)
		fprintf(stderr, "stage (reader cpu %.3f s)\n", r.cpu);
	stage("write");
	pthread_cond_destroy(&r.changed);
	pthread_mutex_destroy(&r.lock);
	if (rc != SRV_EXIT_OK) {
		db_import_abort(im);
		return rc;
	}
	if (db_import_commit(im, &err) != 0)
		return store_failed(store, &err);
	stage("commit");
	return SRV_EXIT_OK;
}

/* Moves a freshly built store into place. A -wal left by an older file at path must not be
 * replayed onto the new one. */
static int replace_store(const char *tmp, const char *path)
{
	char side[4300];

	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
	if (rename(tmp, path) == 0)
		return SRV_EXIT_OK;
	perror("budgetctl: rename");
	unlink(tmp);
	return SRV_EXIT_CANTCREAT;
}

/* An import killed before it finished (kill -9, power loss) leaves its PATH.new-<pid>
 * (--fresh), PATH.snapshot.tmp-<pid>, PATH.amounts.csv.tmp-<pid> or
 * PATH.amounts.idx.tmp-<pid> behind; the next one removes those whose process is gone. */
static void remove_stale_builds(const char *path)
{
	char copy[4096], dir_copy[4096], fresh[4200], snap[4200], csv[4200], idx[4200];
	char stale[8600];
	const char *base, *dir;
	struct dirent *e;
	DIR *d;

	snprintf(copy, sizeof(copy), "%s", path);
	snprintf(dir_copy, sizeof(dir_copy), "%s", path);
	base = basename(copy);
	dir = dirname(dir_copy);
	snprintf(fresh, sizeof(fresh), "%s.new-", base);
	snprintf(snap, sizeof(snap), "%s.snapshot.tmp-", base);
	snprintf(csv, sizeof(csv), "%s.amounts.csv.tmp-", base);
	snprintf(idx, sizeof(idx), "%s.amounts.idx.tmp-", base);
	if ((d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		const char *prefix = strncmp(e->d_name, fresh, strlen(fresh)) == 0 ? fresh
		                     : strncmp(e->d_name, csv, strlen(csv)) == 0   ? csv
		                     : strncmp(e->d_name, idx, strlen(idx)) == 0   ? idx
		                                                                   : snap;
		const char *pid = e->d_name + strlen(prefix);
		char *end;
		if (strncmp(e->d_name, prefix, strlen(prefix)) != 0 || *pid < '1' || *pid > '9')
			continue;
		long n = strtol(pid, &end, 10);
		if (*end != '\0' || n <= 0 || n > 0x3fffffff || kill((pid_t)n, 0) == 0 ||
		    errno != ESRCH)
			continue;
		snprintf(stale, sizeof(stale), "%s/%s", dir, e->d_name);
		unlink(stale);
	}
	closedir(d);
}

/* The snapshot's temporary name, PATH.snapshot.tmp-<pid> (as db_snapshot() names it, so
 * that remove_stale_builds() finds a leftover). */
static void snapshot_tmp(const char *path, char *tmp, size_t size)
{
	snprintf(tmp, size, "%s.snapshot.tmp-%ld", path, (long)getpid());
}

/* A --fresh store, built at tmp and closed: checked and fsynced, linked (or copied) as the
 * snapshot (db_snapshot_fresh), then moved over path. A store that fails the check never
 * replaces path. */
static int place_fresh(const char *tmp, const char *path)
{
	struct db_error err = { 0 };
	char snap[4200], final[4200];

	snapshot_tmp(path, snap, sizeof(snap));
	stage(NULL);
	snprintf(final, sizeof(final), "%s%s", path, DB_SNAPSHOT_SUFFIX);
	if (db_snapshot_fresh(tmp, snap, final, &err) != 0) {
		fprintf(stderr, "budgetctl: the new store %s: ", tmp);
		put_text(err.text, stderr);
		fputc('\n', stderr);
		unlink(tmp);
		return SRV_EXIT_CANTCREAT;
	}
	stage("snapshot");
	if (replace_store(tmp, path) != SRV_EXIT_OK) {
		unlink(snap);
		return SRV_EXIT_CANTCREAT;
	}
	return SRV_EXIT_OK;
}

/* Imports into path; with fresh, into a new file that then replaces path, its snapshot's
 * bytes ready at PATH.snapshot.tmp-<pid> for write_downloads(). */
static int import_into(const char *path, bool fresh, char **files, int n,
                       struct db_doc_stats *total)
{
	struct db_error err = { 0 };
	char tmp[4200];
	struct db *db;
	int rc;

	snprintf(tmp, sizeof(tmp), "%s.new-%ld", path, (long)getpid());
	remove_stale_builds(path);
	stage(NULL);
	db = db_open(fresh ? tmp : path, true, &err);
	if (db == NULL || (fresh && db_set_bulk_build(db, &err) != 0)) {
		fprintf(stderr, "budgetctl: ");
		put_text(err.text, stderr);
		fputc('\n', stderr);
		db_close(db);
		if (fresh)
			unlink(tmp);
		return err.code == DB_BAD_STORE ? SRV_EXIT_NOINPUT : SRV_EXIT_CANTCREAT;
	}
	rc = stream(db, path, files, n, total);
	/* The bundled store must open read-only from a folder nobody may write: no WAL. */
	if (rc == SRV_EXIT_OK && fresh && db_set_rollback_journal(db, &err) != 0) {
		fprintf(stderr, "budgetctl: %s\n", err.text);
		rc = SRV_EXIT_CANTCREAT;
	}
	db_close(db);
	if (!fresh)
		return rc;
	if (rc != SRV_EXIT_OK) {
		unlink(tmp);
		return rc;
	}
	return place_fresh(tmp, path);
}

/* The store's snapshot for download, written after every import from a read-only
 * connection: budgetd serving the store goes on meanwhile. ready: place_fresh() made its
 * bytes already, only the rename is left. */
static int write_snapshot(const char *path, bool ready)
{
	struct db_error err = { 0 };
	char snap[4200], tmp[4200];
	struct db *db = NULL;

	snprintf(snap, sizeof(snap), "%s%s", path, DB_SNAPSHOT_SUFFIX);
	snapshot_tmp(path, tmp, sizeof(tmp));
	if (ready ? db_snapshot_place(tmp, snap, &err) == 0
	          : (db = db_open(path, false, &err)) != NULL && db_snapshot(db, snap, &err) == 0) {
		db_close(db);
		return SRV_EXIT_OK;
	}
	db_close(db);
	/* import, restore and upgrade come here: the store itself is done whichever it was */
	fprintf(stderr, "budgetctl: the store is in place, but its snapshot %s is not: ", snap);
	put_text(err.text, stderr);
	fputc('\n', stderr);
	return SRV_EXIT_CANTCREAT;
}

/* The long CSV of the whole store (PATH.amounts.csv, served as /api/v1/amounts.csv), after
 * every import, as the snapshot is: renamed over the old one, so that a reader sees the old
 * file or the new, never part of one; the lines of disclosures old says are unchanged are
 * copied from the old file (amounts.h). Frees old. */
static int write_amounts(const char *path, struct amounts_old *old)
{
	struct db_error err = { 0 };

	if (amounts_write(path, old, &err) == 0)
		return SRV_EXIT_OK;
	fprintf(stderr,
	        "budgetctl: the store is in place, but its long CSV %s.amounts.csv is not: ", path);
	put_text(err.text, stderr);
	fputc('\n', stderr);
	return SRV_EXIT_CANTCREAT;
}

/* The store-wide downloads budgetd serves, rewritten whenever the store changes; old as for
 * write_amounts() (NULL: the CSV is written whole); snapshot_ready as for write_snapshot(). */
static int write_downloads(const char *path, struct amounts_old *old, bool snapshot_ready)
{
	int rc;

	stage(NULL);
	rc = write_snapshot(path, snapshot_ready);
	stage(snapshot_ready ? "placed" : "snapshot");
	if (rc != SRV_EXIT_OK) {
		amounts_drop(old); /* the store changed: the old CSV's index must not come back */
		return rc;
	}
	rc = write_amounts(path, old);
	stage("csv");
	return rc;
}

/* The first import into the user store starts from a copy of the bundled store, so that
 * budgetd, which serves the user store once it exists, keeps the bundled disclosures beside
 * the new ones (--fresh builds it from the files alone). *seeded: this import made it. */
static int seed_user_store(const char *store, bool *seeded)
{
	struct db_error err = { 0 };
	char bundled[4096];

	if (access(store, F_OK) == 0)
		return SRV_EXIT_OK;
	srv_bundled_store(bundled, sizeof(bundled));
	if (srv_user_store_seed(store, bundled, &err) != 0 ||
	    srv_keep_all(bundled, store, err.text, sizeof(err.text)) != 0) {
		fprintf(stderr, "budgetctl: cannot start the user store %s from %s: %s\n", store,
		        bundled, err.text);
		return SRV_EXIT_CANTCREAT;
	}
	*seeded = true;
	return SRV_EXIT_OK;
}

/* The files of an import: the command line's, then those --files-from names. */
struct file_list {
	char **names; /* argv's, then lines of the list (owned: from first_owned on) */
	int n, first_owned, cap;
};

static int list_add(struct file_list *l, char *name)
{
	if (l->n == l->cap) {
		int cap = l->cap ? l->cap * 2 : 256;
		char **names = realloc(l->names, (size_t)cap * sizeof(*names));

		if (names == NULL) {
			fprintf(stderr, "budgetctl: out of memory for the list of files\n");
			return -1;
		}
		l->names = names;
		l->cap = cap;
	}
	l->names[l->n++] = name;
	return 0;
}

static void list_free(struct file_list *l)
{
	for (int i = l->first_owned; i < l->n; i++)
		free(l->names[i]);
	free(l->names);
}

/* Appends the names in the file from ("-": standard input), one per line, CR LF or LF; empty
 * lines are skipped. A name is taken as written: relative ones are relative to the current
 * directory, as on the command line. 0, or an exit code with the message printed. */
static int list_read(struct file_list *l, const char *from)
{
	FILE *f = strcmp(from, "-") == 0 ? stdin : fopen(from, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int rc = SRV_EXIT_OK;

	if (f == NULL) {
		fprintf(stderr, "budgetctl: --files-from %s: %s\n", from, strerror(errno));
		return SRV_EXIT_NOINPUT;
	}
	while ((len = getline(&line, &cap, f)) != -1) {
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0)
			continue;
		if (list_add(l, line) != 0) {
			rc = SRV_EXIT_SOFTWARE;
			break;
		}
		line = NULL; /* the list owns it now */
		cap = 0;
	}
	if (rc == SRV_EXIT_OK && ferror(f)) {
		fprintf(stderr, "budgetctl: --files-from %s: %s\n", from, strerror(errno));
		rc = SRV_EXIT_NOINPUT;
	}
	free(line);
	if (f != stdin)
		fclose(f);
	return rc;
}

/* argv's files, then --files-from's. 0, or an exit code with the message printed. */
static int import_files(const struct cmd_opts *o, int argc, char **argv, struct file_list *l)
{
	for (int i = optind; i < argc; i++)
		if (list_add(l, argv[i]) != 0)
			return SRV_EXIT_SOFTWARE;
	l->first_owned = l->n;
	if (o->files_from != NULL)
		return list_read(l, o->files_from);
	return SRV_EXIT_OK;
}

static int import_list(const struct cmd_opts *o, struct file_list *l)
{
	struct db_doc_stats total = { 0 };
	bool seeded = false;
	int rc;

	if ((rc = user_store_dir(o)) != SRV_EXIT_OK)
		return rc;
	if (o->user_store && !o->fresh && (rc = seed_user_store(o->db, &seeded)) != SRV_EXIT_OK)
		return rc;
	/* --fresh replaces every disclosure: nothing of the old CSV is kept. */
	amounts_before = o->fresh ? NULL : amounts_begin(o->db);
	rc = import_into(o->db, o->fresh, l->names, l->n, &total);
	if (rc != SRV_EXIT_OK) {
		if (seeded) { /* a failed first import leaves no user store behind */
			db_remove(o->db);
			srv_kept_remove(o->db);
		}
		amounts_keep(amounts_before, o->db); /* the CSV still describes the store */
		fprintf(stderr, "budgetctl: nothing imported; the store is unchanged\n");
		return rc;
	}
	summary(&total, l->n, "imported", o->db);
	return write_downloads(o->db, amounts_before, o->fresh);
}

#define HEAP_RESERVE ((size_t)1 << 30)

/* Whether address space reserved but not touched is free to have: not under a data limit
 * (RLIMIT_DATA counts it), nor under strict overcommit (the kernel charges it in full, and
 * another process on the machine might be refused its memory). */
static bool reserve_is_free(void)
{
	struct rlimit rl;
	FILE *f = fopen("/proc/sys/vm/overcommit_memory", "r");
	int mode = 0;

	if (f != NULL) {
		if (fscanf(f, "%d", &mode) != 1)
			mode = 0;
		fclose(f);
	}
	return mode != 2 && getrlimit(RLIMIT_DATA, &rl) == 0 && rl.rlim_cur == RLIM_INFINITY;
}

/* An import allocates and frees a document's tree, SQLite's pages, the search index's pending
 * entries and FTS5's terms again and again. glibc would give freed memory back to the kernel
 * as soon as 128 KiB lay free at the top of a heap, and fault it in again for the next file
 * (67,000 minor faults for 300 files): here the heap is never trimmed, and blocks up to 32
 * MiB come from it rather than from a mapping of their own. Even kept, each 4 KiB page of the
 * heap is faulted in once as it grows, 130,000 times for the 10,000 files of `gen.py
 * --departments 2000 --years 5`, and on a virtual machine a fault and a TLB miss cost more.
 * So the heap is first grown by HEAP_RESERVE of address space (only the pages touched become
 * memory) and that is advised as transparent huge pages: 2 MiB a fault, 23,000 faults for
 * the 10,000 files and 12-23 % less CPU (issue #17 round 24). glibc does as much under
 * GLIBC_TUNABLES=glibc.malloc.hugetlb=1, which a program cannot set for itself. Where the
 * reserve would not be free (reserve_is_free()) or cannot be had (a kernel without THP, a
 * sanitizer's own malloc), the import goes on with 4 KiB pages. budgetctl keeps glibc's
 * malloc where budgetd links jemalloc: with jemalloc two imports of the 10,000 files took 3
 * and 9 % more CPU (#17 round 16), and with its huge pages more user time (round 24).
 * Returns the bytes advised, 0 for none. */
static size_t import_heap(void)
{
	const uintptr_t huge = 2 << 20;
	uintptr_t from, to;
	void *volatile grow; /* volatile: a malloc freed unused is otherwise left out */

	mallopt(M_MMAP_THRESHOLD, 32 << 20); /* glibc's largest */
	mallopt(M_TRIM_THRESHOLD, -1);
	if (!reserve_is_free())
		return 0;
	mallopt(M_TOP_PAD, (int)HEAP_RESERVE);
	from = (uintptr_t)sbrk(0);
	grow = malloc(1 << 20); /* more than the top of a new heap holds: it grows by the pad */
	free(grow);
	mallopt(M_TOP_PAD, 128 << 10); /* glibc's default, for any growth after */
	to = (uintptr_t)sbrk(0);
	from = (from + huge - 1) & ~(huge - 1);
	if (to <= from || to - from < HEAP_RESERVE / 2 ||
	    madvise((void *)from, to - from, MADV_HUGEPAGE) != 0)
		return 0;
	return to - from;
}

/* A first import that failed leaves no user store behind: budgetd keeps the bundled one. */
static int cmd_import(int argc, char **argv)
{
	struct cmd_opts o = { 0 };
	struct file_list l = { 0 };
	size_t heap;
	int rc;

	if (parse_opts(argc, argv, &o, usage_import, "fFp") != 0)
		return SRV_EXIT_USAGE;
	pdf_dir = o.pdfs;
	heap = import_heap();
	if (getenv("BUDGETCTL_STAGES") != NULL)
		fprintf(stderr, "stage (heap: %zu MiB in huge pages)\n", heap >> 20);
	if ((rc = import_files(&o, argc, argv, &l)) == SRV_EXIT_OK && l.n == 0) {
		fputs(usage_import, stderr);
		rc = SRV_EXIT_USAGE;
	}
	if (rc == SRV_EXIT_OK)
		rc = import_list(&o, &l);
	list_free(&l);
	return rc;
}

static int cmd_validate(int argc, char **argv)
{
	struct cmd_opts o = { 0 };
	struct db_doc_stats total = { 0 };
	int n, errors = 0;

	if (parse_opts(argc, argv, &o, usage_validate, "") != 0)
		return SRV_EXIT_USAGE;
	n = argc - optind;
	if (n == 0) {
		fputs(usage_validate, stderr);
		return SRV_EXIT_USAGE;
	}
	for (int i = 0; i < n; i++) {
		struct db_doc *doc = db_doc_load(argv[optind + i], print_error, &errors);
		if (doc != NULL)
			add_stats(&total, doc);
		db_doc_free(doc);
	}
	if (errors != 0)
		return SRV_EXIT_DATA;
	summary(&total, n, "valid:", NULL);
	return SRV_EXIT_OK;
}

static int cmd_export(int argc, char **argv)
{
	struct cmd_opts o = { .level = "department" };
	struct db_error err = { 0 };
	unsigned long year;
	char *end;
	const char *kind = "budget";
	struct db *db;
	json_t *doc;

	if (parse_opts(argc, argv, &o, usage_export, "l") != 0)
		return SRV_EXIT_USAGE;
	if (strcmp(o.level, "department") != 0 && strcmp(o.level, "unit") != 0)
		goto usage;
	if (argc - optind < 2 || argc - optind > 3)
		goto usage;
	year = strtoul(argv[optind + 1], &end, 10);
	if (*end != '\0' || year < 1990 || year > 2100)
		goto usage;
	if (argc - optind == 3)
		kind = argv[optind + 2];
	if (strcmp(kind, "budget") != 0 && strcmp(kind, "final") != 0)
		goto usage;
	db = db_open(o.db, false, &err);
	if (db == NULL) {
		fprintf(stderr, "budgetctl: %s\n", err.text);
		return SRV_EXIT_NOINPUT;
	}
	doc = db_export(db, argv[optind], (int)year, kind, o.level, &err);
	db_close(db);
	if (doc == NULL) {
		fprintf(stderr, "budgetctl: %s\n", err.text);
		return err.code == DB_NOT_FOUND ? SRV_EXIT_NOT_FOUND : SRV_EXIT_NOINPUT;
	}
	/* Box coordinates have at most 2 decimals: 12 digits print them without binary noise. */
	json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
	putchar('\n');
	json_decref(doc);
	return SRV_EXIT_OK;
usage:
	fputs(usage_export, stderr);
	return SRV_EXIT_USAGE;
}

static int print_department(void *ctx, const struct db_department *d)
{
	(void)ctx;
	put_text(d->id, stdout);
	putchar('\t');
	for (size_t i = 0; i < d->n_years; i++)
		printf("%s%d", i ? "," : "", d->years[i]);
	putchar('\t');
	put_text(d->name, stdout);
	putchar('\n');
	return 0;
}

static int cmd_list(int argc, char **argv)
{
	struct cmd_opts o = { 0 };
	struct db_error err = { 0 };
	struct db *db;
	int rc;

	if (parse_opts(argc, argv, &o, usage_list, "") != 0 || optind != argc)
		return SRV_EXIT_USAGE;
	db = db_open(o.db, false, &err);
	if (db == NULL) {
		fprintf(stderr, "budgetctl: %s\n", err.text);
		return SRV_EXIT_NOINPUT;
	}
	rc = db_departments(db, NULL, print_department, NULL, NULL, &err);
	if (rc != 0)
		fprintf(stderr, "budgetctl: %s\n", err.text);
	db_close(db);
	return rc == 0 ? SRV_EXIT_OK : SRV_EXIT_NOINPUT;
}

static int cmd_upgrade(int argc, char **argv)
{
	struct cmd_opts o = { 0 };
	struct db_error err = { 0 };
	int from = 0;

	if (parse_opts(argc, argv, &o, usage_upgrade, "") != 0 || optind != argc) {
		if (optind != argc)
			fputs(usage_upgrade, stderr);
		return SRV_EXIT_USAGE;
	}
	if (db_upgrade(o.db, &from, &err) != 0) {
		fprintf(stderr, "budgetctl: %s\n", err.text);
		if (from >= 1 && from < DB_SCHEMA_VERSION)
			fprintf(stderr,
			        "budgetctl: nothing changed; the store is still version %d\n",
			        from);
		return from >= 1 && from < DB_SCHEMA_VERSION ? SRV_EXIT_CANTCREAT
		                                             : SRV_EXIT_NOINPUT;
	}
	if (from == DB_SCHEMA_VERSION) {
		printf("%s: already at schema version %d\n", o.db, DB_SCHEMA_VERSION);
		if (amounts_current(o.db))
			return SRV_EXIT_OK;
		/* An older budgetd wrote the long CSV: its columns are not the documented ones. */
		printf("%s.amounts.csv: rewritten with this version's columns\n", o.db);
		return write_amounts(o.db, NULL);
	}
	printf("%s: upgraded from schema version %d to %d\n", o.db, from, DB_SCHEMA_VERSION);
	/* The snapshot beside it is of the old version: budgetd would serve that. */
	return write_downloads(o.db, NULL, false);
}

/* Are a and b the same file? A backup written over its own store would cut it from its
 * -wal. */
static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

/* One line, "budgetctl: [WHAT: ]reason", a file name's invisible characters shown. */
static int db_failed(const char *what, const struct db_error *err, int code)
{
	fputs("budgetctl: ", stderr);
	if (what != NULL) {
		put_text(what, stderr);
		fputs(": ", stderr);
	}
	put_text(err->text, stderr);
	fputc('\n', stderr);
	return code;
}

static int cmd_backup(int argc, char **argv)
{
	struct cmd_opts o = { 0 };
	struct db_error err = { 0 };
	struct db *db;
	int64_t n = 0;

	if (parse_opts(argc, argv, &o, usage_backup, "") != 0 || optind != argc - 1) {
		if (optind != argc - 1)
			fputs(usage_backup, stderr);
		return SRV_EXIT_USAGE;
	}
	if (same_file(o.db, argv[optind])) {
		fprintf(stderr, "budgetctl: DEST is the store itself\n");
		return SRV_EXIT_USAGE;
	}
	if ((db = db_open(o.db, false, &err)) == NULL)
		return db_failed(NULL, &err, SRV_EXIT_NOINPUT);
	if (db_snapshot(db, argv[optind], &err) != 0) {
		db_close(db);
		/* a damaged store fails the page copy or its check: the store's fault */
		return db_failed(argv[optind], &err,
		                 err.code == DB_BAD_STORE ? SRV_EXIT_NOINPUT : SRV_EXIT_CANTCREAT);
	}
	db_close(db);
	/* the published PDFs beside it (#18): DEST.files/, hard links where they can be */
	if (srv_keep_all(o.db, argv[optind], err.text, sizeof(err.text)) != 0) {
		fprintf(stderr, "budgetctl: the backup's PDFs: %s\n", err.text);
		return SRV_EXIT_CANTCREAT;
	}
	if ((db = db_open(argv[optind], false, &err)) != NULL)
		db_disclosure_count(db, &n);
	db_close(db);
	printf("%s: backup of %s, %lld disclosures\n", argv[optind], o.db, (long long)n);
	return SRV_EXIT_OK;
}

static int cmd_restore(int argc, char **argv)
{
	struct cmd_opts o = { 0 };
	struct db_error err = { 0 };
	struct db *db;
	int64_t n = 0;

	if (parse_opts(argc, argv, &o, usage_restore, "") != 0 || optind != argc - 1) {
		if (optind != argc - 1)
			fputs(usage_restore, stderr);
		return SRV_EXIT_USAGE;
	}
	if (same_file(o.db, argv[optind])) {
		fprintf(stderr, "budgetctl: BACKUP is the store itself\n");
		return SRV_EXIT_USAGE;
	}
	db = db_open(argv[optind], false, &err);
	if (db == NULL)
		return db_failed(NULL, &err, SRV_EXIT_NOINPUT);
	if (db_check(db, &err) != 0 || db_disclosure_count(db, &n) != 0) {
		db_close(db);
		return db_failed(argv[optind], &err, SRV_EXIT_NOINPUT);
	}
	/* Its published PDFs first (#18): a budgetd that takes the new file up finds them. */
	if (srv_keep_all(argv[optind], o.db, err.text, sizeof(err.text)) != 0) {
		db_close(db);
		fprintf(stderr, "budgetctl: the backup's PDFs: %s\n", err.text);
		return SRV_EXIT_CANTCREAT;
	}
	if (db_snapshot(db, o.db, &err) != 0) {
		db_close(db);
		return db_failed(o.db, &err,
		                 err.code == DB_BAD_STORE ? SRV_EXIT_NOINPUT : SRV_EXIT_CANTCREAT);
	}
	db_close(db);
	printf("%s: restored from %s, %lld disclosures\n", o.db, argv[optind], (long long)n);
	/* The downloads beside the store are of the old data: budgetd would serve those. */
	return write_downloads(o.db, NULL, false);
}

static void print_pruned(void *ctx, const char *name, uint64_t bytes)
{
	printf("%s%s (%llu bytes)\n", (const char *)ctx, name, (unsigned long long)bytes);
}

struct prune_run {
	const char *store;
	struct srv_prune p;
	struct srv_pruned out;
	char why[4500];
};

/* db_with_named_files()'s fn: prunes the folder while the store's write lock is held. */
static int prune_locked(void *ctx, const char *const *sha256, size_t n)
{
	struct prune_run *r = ctx;

	r->p.sha256 = sha256;
	r->p.n = n;
	r->p.now = time(NULL);
	return srv_kept_prune(r->store, &r->p, &r->out, r->why, sizeof(r->why));
}

/* --min-age: a whole number of seconds, 0 or more. */
static bool parse_age(const char *s, time_t *age)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 0)
		return false;
	*age = (time_t)v;
	return true;
}

static int cmd_prune(int argc, char **argv)
{
	struct cmd_opts o = { 0 };
	struct db_error err = { 0 };
	struct prune_run r = { .p = { .min_age = 86400 } };
	char prefix[4400];
	int rc;

	if (parse_opts(argc, argv, &o, usage_prune, "aD") != 0)
		return SRV_EXIT_USAGE;
	if (optind != argc || (o.min_age != NULL && !parse_age(o.min_age, &r.p.min_age))) {
		fputs(usage_prune, stderr);
		return SRV_EXIT_USAGE;
	}
	if (access(o.db, F_OK) != 0) { /* said plainly: SQLite would say "unable to open" */
		fprintf(stderr, "budgetctl: %s: %s\n", o.db, strerror(errno));
		return SRV_EXIT_NOINPUT;
	}
	r.store = o.db;
	r.p.dry_run = o.dry_run;
	r.p.each = print_pruned;
	r.p.ctx = prefix;
	srv_kept_path(prefix, sizeof(prefix), o.db, "");
	rc = db_with_named_files(o.db, prune_locked, &r, &err);
	if (rc != 0 && r.why[0] != '\0') {
		fprintf(stderr, "budgetctl: %s\n", r.why);
		return SRV_EXIT_CANTCREAT;
	}
	if (rc != 0)
		return db_failed(o.db, &err,
		                 err.code == DB_LOCKED ? SRV_EXIT_CANTCREAT : SRV_EXIT_NOINPUT);
	printf("%s: %s %zu file%s (%llu bytes); kept %zu a disclosure names and %zu younger "
	       "than %lld s\n",
	       prefix, o.dry_run ? "would remove" : "removed", r.out.removed,
	       r.out.removed == 1 ? "" : "s", (unsigned long long)r.out.bytes, r.out.kept,
	       r.out.recent, (long long)r.p.min_age);
	return SRV_EXIT_OK;
}

static void extract_report(void *ctx, int page, const char *what, const char *text)
{
	fprintf(stderr, "%s:p%d: %s: %s\n", (const char *)ctx, page, what, text);
}

/* Boxes are rounded to 2 decimals; 12 significant digits print them as such (303.52, not
 * 303.51999999999998). */
#define EXTRACT_JSON (JSON_INDENT(1) | JSON_REAL_PRECISION(12))

/* Writes doc to out through out.tmp-PID and a rename; 0 or -1 (errno set, nothing left). */
static int write_json_atomic(json_t *doc, const char *out)
{
	char tmp[4096];
	int rc, saved;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", out, (long)getpid()) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	rc = json_dump_file(doc, tmp, EXTRACT_JSON);
	if (rc == 0) {
		FILE *f = fopen(tmp, "a");
		rc = f != NULL && fputc('\n', f) != EOF && fflush(f) == 0 && fsync(fileno(f)) == 0
		         ? 0
		         : -1;
		if (f != NULL && fclose(f) != 0)
			rc = -1;
	}
	if (rc == 0 && rename(tmp, out) == 0)
		return 0;
	saved = errno ? errno : EIO;
	unlink(tmp);
	errno = saved;
	return -1;
}

static int extract_exit(enum ingest_failure f)
{
	switch (f) {
	case INGEST_BAD_INPUT:
		return SRV_EXIT_DATA;
	case INGEST_NO_FILE:
		return SRV_EXIT_NOINPUT;
	case INGEST_NO_TOOL:
		return SRV_EXIT_UNAVAILABLE;
	default:
		return SRV_EXIT_SOFTWARE;
	}
}

static int cmd_extract(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "id", required_argument, NULL, 'i' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ingest_options opt = { .report = extract_report };
	struct ingest_error err = { 0 };
	const char *out = NULL;
	json_t *doc;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			opt.id = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'h':
			fputs(usage_extract, stdout);
			return SRV_EXIT_OK;
		default:
			fputs(usage_extract, stderr);
			return SRV_EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		fputs(usage_extract, stderr);
		return SRV_EXIT_USAGE;
	}
	opt.ctx = argv[optind];
	if ((doc = ingest_pdf(argv[optind], &opt, &err)) == NULL) {
		fprintf(stderr, "budgetctl: %s: %s\n", argv[optind], err.text);
		return extract_exit(err.failure);
	}
	if (out == NULL) {
		c = json_dumpf(doc, stdout, EXTRACT_JSON) == 0 && fputc('\n', stdout) != EOF &&
		            fflush(stdout) == 0
		        ? SRV_EXIT_OK
		        : SRV_EXIT_CANTCREAT;
	} else if (write_json_atomic(doc, out) != 0) {
		fprintf(stderr, "budgetctl: cannot write %s: %s\n", out, strerror(errno));
		c = SRV_EXIT_CANTCREAT;
	} else {
		c = SRV_EXIT_OK;
	}
	json_decref(doc);
	return c;
}

/* Prints a finding's message on a compiler-like line: full-width "：" and "，" as ": " and
 * ", ", and a closing "，相差 X" as " (相差 X)". */
static void print_message(const char *m)
{
	const char *diff = m != NULL ? strstr(m, "，相差 ") : NULL;

	for (const char *p = m; p != NULL && *p; p++) {
		if (p == diff) {
			printf(" (%s)", p + strlen("，"));
			break;
		}
		if (strncmp(p, "：", strlen("：")) == 0 || strncmp(p, "，", strlen("，")) == 0) {
			fputs(*(p + 2) == '\x9a' ? ": " : ", ", stdout);
			p += 2;
		} else {
			p += put_char((const unsigned char *)p, stdout) - 1;
		}
	}
	putchar('\n');
}

/* Prints findings as lines like a compiler's, or as JSON. Returns the exit code. */
static int print_findings(const char *name, json_t *findings, bool as_json)
{
	size_t i;
	json_t *f;

	if (as_json) {
		json_dumpf(findings, stdout,
		           JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
		putchar('\n');
	} else {
		json_array_foreach (findings, i, f) {
			json_t *page = json_object_get(json_object_get(f, "place"), "page");
			put_text(name, stdout);
			if (json_is_integer(page))
				printf(":p%lld", (long long)json_integer_value(page));
			fputs(": ", stdout);
			put_text(json_string_value(json_object_get(f, "severity")), stdout);
			putchar(' ');
			put_text(json_string_value(json_object_get(f, "rule")), stdout);
			fputs(": ", stdout);
			print_message(json_string_value(json_object_get(f, "message_zh")));
		}
	}
	return json_array_size(findings) > 0 ? SRV_EXIT_NOT_FOUND : SRV_EXIT_OK;
}

static bool is_pdf(const char *path)
{
	char head[5] = { 0 };
	FILE *f = fopen(path, "rb");
	bool pdf;

	if (f == NULL)
		return false;
	pdf = fread(head, 1, sizeof(head), f) == sizeof(head) && memcmp(head, "%PDF-", 5) == 0;
	fclose(f);
	return pdf;
}

/* The document to audit, from a PDF, an import file or the store; NULL with *rc set. */
static json_t *audit_source(int argc, char **argv, const struct cmd_opts *o, int *rc)
{
	struct db_error err = { 0 };
	const char *path = argv[optind];

	if (argc - optind == 1) {
		if (access(path, R_OK) != 0) {
			fprintf(stderr, "budgetctl: %s: %s\n", path, strerror(errno));
			*rc = SRV_EXIT_NOINPUT;
			return NULL;
		}
		if (is_pdf(path)) {
			struct ingest_options opt = { .report = NULL };
			struct ingest_error ierr = { 0 };
			json_t *doc = ingest_pdf(path, &opt, &ierr);
			if (doc == NULL) {
				fprintf(stderr, "budgetctl: %s: %s\n", path, ierr.text);
				*rc = extract_exit(ierr.failure);
			}
			return doc;
		}
		int errors = 0;
		struct db_doc *d = db_doc_load(path, print_error, &errors);
		/* A copy: the document's tree goes with its arena in db_doc_free. */
		json_t *doc = d != NULL ? json_deep_copy(db_doc_json(d)) : NULL;
		db_doc_free(d);
		*rc = SRV_EXIT_DATA;
		return doc;
	}
	char *end;
	unsigned long year = strtoul(argv[optind + 1], &end, 10);
	const char *kind = argc - optind == 3 ? argv[optind + 2] : "budget";
	if (*end != '\0' || year < 1990 || year > 2100 ||
	    (strcmp(kind, "budget") != 0 && strcmp(kind, "final") != 0)) {
		fputs(usage_audit, stderr);
		*rc = SRV_EXIT_USAGE;
		return NULL;
	}
	struct db *db = db_open(o->db, false, &err);
	json_t *doc = db != NULL ? db_export(db, path, (int)year, kind, o->level, &err) : NULL;
	db_close(db);
	if (doc == NULL) {
		fprintf(stderr, "budgetctl: %s\n", err.text);
		*rc = SRV_EXIT_NOINPUT;
	}
	return doc;
}

static int cmd_audit(int argc, char **argv)
{
	struct cmd_opts o = { .level = "department" };
	struct audit_error aerr = { { 0 } };
	bool as_json = false;
	int rc = SRV_EXIT_OK, n = 0;
	char name[512];
	char **args = calloc((size_t)argc + 1, sizeof(*args));

	if (args == NULL)
		return SRV_EXIT_SOFTWARE;
	for (int i = 0; i < argc; i++) /* --json is ours; parse_opts knows the rest */
		if (strcmp(argv[i], "--json") == 0)
			as_json = true;
		else
			args[n++] = argv[i];
	if (parse_opts(n, args, &o, usage_audit, "l") != 0 ||
	    (strcmp(o.level, "department") != 0 && strcmp(o.level, "unit") != 0) ||
	    n - optind < 1 || n - optind > 3) {
		if (optind <= n)
			fputs(usage_audit, stderr);
		free(args);
		return SRV_EXIT_USAGE;
	}
	json_t *doc = audit_source(n, args, &o, &rc);
	if (n - optind == 1)
		snprintf(name, sizeof(name), "%s", args[optind]);
	else
		snprintf(name, sizeof(name), "%s/%s/%s%s", args[optind], args[optind + 1],
		         n - optind == 3 ? args[optind + 2] : "budget",
		         strcmp(o.level, "unit") == 0 ? "/unit" : "");
	free(args);
	if (doc == NULL)
		return rc;
	json_t *findings = audit_run(doc, &aerr);
	json_decref(doc);
	if (findings == NULL) {
		fprintf(stderr, "budgetctl: %s\n", aerr.text);
		return SRV_EXIT_SOFTWARE;
	}
	rc = print_findings(name, findings, as_json);
	json_decref(findings);
	return rc;
}

static const struct {
	const char *name;
	int (*run)(int, char **);
	const char *help;
} commands[] = {
	{ "import", cmd_import, usage_import },    { "validate", cmd_validate, usage_validate },
	{ "export", cmd_export, usage_export },    { "list", cmd_list, usage_list },
	{ "upgrade", cmd_upgrade, usage_upgrade }, { "extract", cmd_extract, usage_extract },
	{ "audit", cmd_audit, usage_audit },       { "backup", cmd_backup, usage_backup },
	{ "restore", cmd_restore, usage_restore }, { "prune", cmd_prune, usage_prune },
};

int main(int argc, char **argv)
{
	size_t n = sizeof(commands) / sizeof(commands[0]);

	if (argc < 2) {
		fputs(usage, stderr);
		return SRV_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		for (size_t i = 0; argc > 2 && i < n; i++)
			if (strcmp(argv[2], commands[i].name) == 0) {
				fputs(commands[i].help, stdout);
				return SRV_EXIT_OK;
			}
		fputs(usage, stdout);
		return argc > 2 ? SRV_EXIT_USAGE : SRV_EXIT_OK;
	}
	for (size_t i = 0; i < n; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "budgetctl: unknown command \"%s\"\n\n%s", argv[1], usage);
	return SRV_EXIT_USAGE;
}
