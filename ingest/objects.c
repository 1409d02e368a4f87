// SPDX-License-Identifier: MIT
// The structured matters printed as text in 其他相关情况说明 / 其他重要事项: 政府采购, 机关运行经费,
// 三公 changes, 绩效目标, 国有资产, and each project of 项目经费情况说明. Only what is printed;
// a figure that disagrees with the table's is reported, never written over it.
#include "layout.h"

#include <stdlib.h>
#include <string.h>

static bool starts_with(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

static void say(const struct ingest_options *opt, int page, const char *what, const char *text)
{
	if (opt != NULL && opt->report != NULL)
		opt->report(opt->ctx, page, what, text);
}

/* A section's paragraphs joined by "\n". The caller frees. */
static char *joined(const struct ing_section *sec)
{
	size_t len = 1;
	char *s;

	for (size_t i = 0; i < sec->n; i++)
		len += strlen(sec->p[i].text) + 1;
	if ((s = calloc(1, len)) == NULL)
		return NULL;
	for (size_t i = 0; i < sec->n; i++) {
		if (i > 0)
			strcat(s, "\n");
		strcat(s, sec->p[i].text);
	}
	return s;
}

/* The amount printed after key (within its clause: no ，。；、 between), in 万元; "" if none. */
static bool amount_after(const char *t, const char *key, char *out, size_t size)
{
	for (const char *k = strstr(t, key); k != NULL; k = strstr(k + 1, key)) {
		const char *p = k + strlen(key);
		size_t n;
		const char *u;

		while (*p != '\0' && (*p < '0' || *p > '9') && !starts_with(p, "，") &&
		       !starts_with(p, "。") && !starts_with(p, "；") && !starts_with(p, "、") &&
		       *p != '\n')
			p++;
		if ((n = ing_number_len(p)) == 0 || (u = ing_money_unit(p + n)) == NULL ||
		    (strcmp(u, "万元") != 0 && strcmp(u, "万") != 0))
			continue;
		snprintf(out, size, "%.*s", (int)n, p);
		return true;
	}
	return false;
}

/* The count printed as N<unit> after key, within its clause; -1 if none. */
static long count_after(const char *t, const char *key, const char *unit)
{
	const char *k = strstr(t, key);

	for (const char *p = k != NULL ? k + strlen(key) : NULL; p != NULL && *p != '\0'; p++) {
		size_t n = strspn(p, "0123456789");

		if (starts_with(p, "，") || starts_with(p, "。") || starts_with(p, "；") ||
		    starts_with(p, "、"))
			return -1;
		if (n > 0 && starts_with(p + n, unit))
			return strtol(p, NULL, 10);
		p += n > 0 ? n - 1 : 0;
	}
	return -1;
}

/* Two printed amounts are the same number (1,720.00 = 1720). */
static void canonical(const char *s, char *out, size_t size)
{
	size_t n = 0;
	char *dot;

	for (; *s != '\0' && n + 1 < size; s++)
		if (*s != ',')
			out[n++] = *s;
	out[n] = '\0';
	if ((dot = strchr(out, '.')) != NULL) {
		while (n > 0 && out[n - 1] == '0')
			out[--n] = '\0';
		if (n > 0 && out[n - 1] == '.')
			out[--n] = '\0';
	}
}

static bool same_amount(const char *a, const char *b)
{
	char x[64], y[64];

	canonical(a, x, sizeof(x));
	canonical(b, y, sizeof(y));
	return strcmp(x, y) == 0;
}

static const struct ing_section *find(const struct ing_section *s, size_t n, const char *word)
{
	for (size_t i = 0; i < n; i++)
		if (strstr(s[i].title, word) != NULL && s[i].n > 0)
			return &s[i];
	return NULL;
}

/* ---- 政府采购 ---- */

static const struct {
	const char *field, *keys[3];
} procurement_keys[] = {
	{ "amount", { "政府采购预算", "政府采购金额" } },
	{ "goods", { "货物预算", "货物采购金额" } },
	{ "works", { "工程预算", "工程采购金额" } },
	{ "services", { "服务预算", "服务采购金额" } },
	{ "sme_reserved", { "面向中小企业预留政府采购项目预算金额" } },
	{ "small_micro_reserved",
	  { "预留给小型和微型企业的政府采购项目预算", "面向小微企业预留政府采购项目预算金额" } },
	{ NULL, { NULL } },
};

static void procurement(const struct ing_section *sec, const struct ingest_options *opt,
                        json_t *doc)
{
	char *t = joined(sec), v[64];
	json_t *o = json_object();

	for (size_t i = 0; t != NULL && procurement_keys[i].field != NULL; i++)
		for (size_t k = 0; k < 3 && procurement_keys[i].keys[k] != NULL; k++)
			if (amount_after(t, procurement_keys[i].keys[k], v, sizeof(v))) {
				json_object_set_new(o, procurement_keys[i].field, json_string(v));
				break;
			}
	if (json_object_get(o, "amount") != NULL)
		json_object_set(doc, "procurement", o);
	else if (t != NULL && strstr(t, "万元") != NULL)
		say(opt, sec->page + 1, "政府采购 without a total, kept as text", t);
	json_decref(o);
	free(t);
}

/* ---- 机关运行经费 and 三公: the text's figures beside the table's ---- */

/* The text's amount at field of o: set when the table printed none; else compared. */
static void merge_amount(json_t *o, const char *field, const char *text_amount, int page,
                         const char *what, const struct ingest_options *opt)
{
	const char *table = json_string_value(json_object_get(o, field));
	char msg[256];

	if (table == NULL) {
		json_object_set_new(o, field, json_string(text_amount));
		return;
	}
	if (!same_amount(table, text_amount)) {
		snprintf(msg, sizeof(msg), "%s: the text prints %s, the table %s; the table's kept",
		         what, text_amount, table);
		say(opt, page, "text and table differ", msg);
	}
}

static void copy_field(json_t *from, json_t *to, const char *field)
{
	json_t *v = json_object_get(from, field);

	if (v != NULL && json_object_get(to, field) == NULL)
		json_object_set(to, field, v);
}

/* The first figure of the section whose label has word and an amount. Borrowed. */
static json_t *figure_with(json_t *figs, const char *word)
{
	size_t i;
	json_t *f;

	json_array_foreach (figs, i, f)
		if (json_object_get(f, "amount") != NULL &&
		    strstr(json_string_value(json_object_get(f, "label")), word) != NULL)
			return f;
	return NULL;
}

static const char *measure_of(json_t *doc)
{
	return strcmp(json_string_value(json_object_get(doc, "kind")), "final") == 0 ? "final"
	                                                                             : "amount";
}

static void operating_costs(const struct ing_section *sec, const struct ingest_options *opt,
                            json_t *doc)
{
	json_t *figs = ing_figures(sec, doc, NULL), *f = figure_with(figs, "机关运行经费");
	json_t *o = json_object_get(doc, "operating_costs");
	char *t = joined(sec);
	long n;

	if (f != NULL) {
		if (o == NULL) {
			o = json_object();
			json_object_set_new(o, "unit", json_string("万元"));
			json_object_set_new(doc, "operating_costs", o);
		}
		merge_amount(o, measure_of(doc), json_string_value(json_object_get(f, "amount")),
		             sec->page + 1, "机关运行经费", opt);
		copy_field(f, o, "change");
		copy_field(f, o, "change_percent");
		copy_field(f, o, "reason");
	}
	if (o != NULL && t != NULL && (n = count_after(t, "下属", "家机关")) >= 0)
		json_object_set_new(o, "administrative_units", json_integer(n));
	if (o != NULL && t != NULL && (n = count_after(t, "家机关和", "家事业单位")) >= 0)
		json_object_set_new(o, "institutional_units", json_integer(n));
	free(t);
	json_decref(figs);
}

static const struct {
	const char *word, *key;
} sangong_words[] = {
	{ "因公出国", "abroad" },
	{ "公务用车购置及运行费", "vehicle" },
	{ "公务用车购置费", "vehicle_purchase" },
	{ "公务用车运行费", "vehicle_operation" },
	{ "公务接待费", "reception" },
	{ "会议费", "meeting" },
	{ "培训费", "training" },
	{ NULL, NULL },
};

static json_t *sangong_item(json_t *items, const char *key)
{
	size_t i;
	json_t *it;

	json_array_foreach (items, i, it)
		if (strcmp(json_string_value(json_object_get(it, "key")), key) == 0)
			return it;
	return NULL;
}

/* One text figure of the 三公 section onto its item (or the total). */
static void sangong_figure(json_t *sg, json_t *f, const char *measure, int page,
                           const struct ingest_options *opt)
{
	const char *label = json_string_value(json_object_get(f, "label"));
	const char *amount = json_string_value(json_object_get(f, "amount"));
	json_t *items = json_object_get(sg, "items"), *it;

	for (size_t k = 0; sangong_words[k].word != NULL; k++) {
		if (strstr(label, sangong_words[k].word) == NULL)
			continue;
		if ((it = sangong_item(items, sangong_words[k].key)) == NULL) {
			it = json_object();
			json_object_set_new(it, "key", json_string(sangong_words[k].key));
			json_object_set_new(it, "label", json_string(label));
			json_array_append_new(items, it);
		}
		merge_amount(it, measure, amount, page, label, opt);
		copy_field(f, it, "change");
		copy_field(f, it, "reason");
		return;
	}
	if (strstr(label, "三公") != NULL) {
		merge_amount(sg, measure, amount, page, "“三公”经费", opt);
		copy_field(f, sg, "change");
	}
}

static void sangong(const struct ing_section *sec, const struct ingest_options *opt, json_t *doc)
{
	json_t *figs = ing_figures(sec, doc, NULL), *sg = json_object_get(doc, "sangong"), *f;
	const char *measure = strcmp(measure_of(doc), "final") == 0 ? "final" : "amount";
	size_t i;

	if (json_array_size(figs) == 0) {
		json_decref(figs);
		return;
	}
	if (sg == NULL) {
		sg = json_object();
		json_object_set_new(sg, "items", json_array());
		json_object_set_new(sg, "unit", json_string("万元"));
		json_object_set_new(doc, "sangong", sg);
	}
	json_array_foreach (figs, i, f)
		if (json_object_get(f, "amount") != NULL)
			sangong_figure(sg, f, measure, sec->page + 1, opt);
	json_decref(figs);
}

/* ---- 绩效目标 ---- */

static void performance(const struct ing_section *sec, json_t *doc)
{
	char *t = joined(sec), v[64];
	const char *s = t != NULL ? strstr(t, "编报绩效目标的") : NULL, *start, *end;
	long count;
	json_t *o;

	if (s == NULL || (count = count_after(s, "编报绩效目标的", "个")) < 0 ||
	    !amount_after(s, "涉及", v, sizeof(v))) {
		free(t);
		return;
	}
	/* the sentence: from after the last 。；： before it to the next 。 or ； */
	for (start = s; start > t && start[-1] != '\n'; start--)
		if (start - t >= 3 &&
		    (starts_with(start - 3, "。") || starts_with(start - 3, "；") ||
		     starts_with(start - 3, "：")))
			break;
	end = s + strcspn(s, "\n");
	for (const char *p = s; p < end; p++)
		if (starts_with(p, "。") || starts_with(p, "；")) {
			end = p + 3;
			break;
		}
	o = json_object();
	json_object_set_new(o, "project_count", json_integer(count));
	json_object_set_new(o, "amount", json_string(v));
	json_object_set_new(o, "text", json_stringn(start, (size_t)(end - start)));
	json_object_set_new(doc, "performance", o);
	free(t);
}

/* ---- 国有资产 ---- */

static const struct {
	const char *word, *kind;
} vehicle_words[] = {
	{ "共有车辆", "total" },
	{ "一般公务用车", "general" },
	{ "部级领导干部用车", "ministerial" },
	{ "主要领导干部用车", "leader" },
	{ "机要通信用车", "confidential" },
	{ "应急保障用车", "emergency" },
	{ "执法执勤用车", "enforcement" },
	{ "特种专业技术用车", "special" },
	{ "离退休干部用车", "retiree" },
	{ "其他用车", "other" },
	{ NULL, NULL },
};

/* 截至2024年8月31日 (or 年底) -> 2024-08-31. */
static bool as_of(const char *t, char *out, size_t size)
{
	const char *p = strstr(t, "截至");
	char *e;
	long y, m, d;

	if (p == NULL)
		return false;
	y = strtol(p + strlen("截至"), &e, 10);
	if (y < 1990 || y > 2100 || !starts_with(e, "年"))
		return false;
	if (starts_with(e + 3, "底")) {
		snprintf(out, size, "%04ld-12-31", y);
		return true;
	}
	m = strtol(e + 3, &e, 10);
	if (m < 1 || m > 12 || !starts_with(e, "月"))
		return false;
	d = strtol(e + 3, &e, 10);
	if (d < 1 || d > 31 || !starts_with(e, "日"))
		return false;
	snprintf(out, size, "%04ld-%02ld-%02ld", y, m, d);
	return true;
}

static void assets(const struct ing_section *sec, json_t *doc)
{
	json_t *o = json_object(), *vehicles = json_array();
	char date[16];
	long n;

	for (size_t i = 0; i < sec->n; i++) {
		const char *t = sec->p[i].text;
		bool planned = strstr(t, "安排购置") != NULL && strstr(t, "截至") == NULL;

		if (!planned && as_of(t, date, sizeof(date)))
			json_object_set_new(o, "as_of", json_string(date));
		if (planned) {
			if ((n = count_after(t, "安排购置车辆", "辆")) >= 0)
				json_object_set_new(o, "planned_vehicles", json_integer(n));
			if ((n = count_after(t, "安排购置单价100万元（含）以上设备", "台")) >= 0)
				json_object_set_new(o, "planned_equipment_over_100",
				                    json_integer(n));
			continue;
		}
		for (size_t k = 0; vehicle_words[k].word != NULL; k++) {
			json_t *v;

			if ((n = count_after(t, vehicle_words[k].word, "辆")) < 0)
				continue;
			v = json_object();
			json_object_set_new(v, "kind", json_string(vehicle_words[k].kind));
			json_object_set_new(v, "label",
			                    json_string(k == 0 ? "车辆" : vehicle_words[k].word));
			json_object_set_new(v, "count", json_integer(n));
			json_array_append_new(vehicles, v);
		}
		if ((n = count_after(t, "单价100万元（含）以上设备", "台")) >= 0)
			json_object_set_new(o, "equipment_over_100", json_integer(n));
	}
	if (json_array_size(vehicles) > 0)
		json_object_set(o, "vehicles", vehicles);
	if (json_object_size(o) > 0)
		json_object_set(doc, "assets", o);
	json_decref(vehicles);
	json_decref(o);
}

/* ---- Projects: 项目经费情况说明 ---- */

static const struct {
	const char *word, *field;
} project_parts[] = {
	{ "项目概述", "summary" },
	{ "项目概况", "summary" },
	{ "立项依据", "policy_basis" },
	{ "实施主体", "executing_unit" },
	{ "实施方案", "plan" },
	{ "实施周期", "period" },
	{ "年度预算安排", "allocation" },
	{ "绩效目标", "objective" },
	{ NULL, NULL },
};

static const char *part_of(const struct ing_section *sec)
{
	if (sec->number[0] == '\0' || starts_with(sec->number, "第"))
		return NULL;
	for (size_t k = 0; project_parts[k].word != NULL; k++)
		if (strstr(sec->title, project_parts[k].word) != NULL)
			return project_parts[k].field;
	return NULL;
}

/* Bytes before the next ，。；or , in s. */
static size_t piece_len(const char *s)
{
	size_t n = 0;

	while (s[n] != '\0' && s[n] != ',' && !starts_with(s + n, "，") &&
	       !starts_with(s + n, "。") && !starts_with(s + n, "；"))
		n++;
	return n;
}

/* 年度预算安排: 项目总预算N万 -> amount; 其中A N万，B N万… -> allocation items. */
static void allocation(json_t *project, const char *text)
{
	json_t *a = json_object(), *items = json_array();
	const char *p = strstr(text, "其中");
	char v[64];

	json_object_set_new(a, "text", json_string(text));
	if (amount_after(text, "总预算", v, sizeof(v)))
		json_object_set_new(project, "amount", json_string(v));
	for (p = p != NULL ? p + strlen("其中") : text; *p != '\0';) {
		size_t len = piece_len(p);
		const char *q = p, *num = NULL;

		for (const char *c = p; c < p + len; c++)
			if (ing_number_len(c) > 0 && (c == p || ((c[-1] < '0' || c[-1] > '9') &&
			                                         c[-1] != '.' && c[-1] != ',')))
				num = c;
		if (num != NULL && num > q && ing_money_unit(num + ing_number_len(num)) != NULL &&
		    strncmp(q, "合计", strlen("合计")) != 0) {
			json_t *it = json_object();
			size_t n = ing_number_len(num);
			const char *u = ing_money_unit(num + n);

			if (strcmp(u, "万") == 0 || strcmp(u, "万元") == 0) {
				json_object_set_new(it, "item", json_stringn(q, (size_t)(num - q)));
				json_object_set_new(it, "amount", json_stringn(num, n));
				json_array_append_new(items, it);
			} else {
				json_decref(it);
			}
		}
		p += len;
		while (*p != '\0' && piece_len(p) == 0)
			p += (*p == ',') ? 1 : 3;
	}
	if (json_array_size(items) > 0)
		json_object_set(a, "items", items);
	json_decref(items);
	json_object_set_new(project, "allocation", a);
}

static void project_part(json_t *pr, const char *field, const char *text)
{
	if (strcmp(field, "allocation") == 0)
		allocation(pr, text);
	else if (strcmp(field, "objective") == 0) {
		json_t *perf = json_object();
		json_object_set_new(perf, "objective", json_string(text));
		json_object_set_new(pr, "performance", perf);
	} else
		json_object_set_new(pr, field, json_string(text));
}

/* The project a 项目经费情况说明 heading names: the title without it. */
static bool project_name(const char *title, char *out, size_t size)
{
	static const char *const tails[] = { "项目经费情况说明", "经费情况说明", "情况说明", NULL };
	size_t n = strlen(title);

	for (size_t k = 0; tails[k] != NULL; k++) {
		size_t t = strlen(tails[k]);
		if (n >= t && strcmp(title + n - t, tails[k]) == 0) {
			snprintf(out, size, "%.*s", (int)(n - t), title);
			return n > t;
		}
	}
	return false;
}

static void projects(struct ing_section *s, size_t n, const struct ingest_options *opt, json_t *doc)
{
	json_t *list = json_array();

	for (size_t i = 0; i < n; i++) {
		char name[256], id[16];
		json_t *pr;
		size_t k;

		if (s[i].number[0] != '\0' || strstr(s[i].title, "经费情况说明") == NULL ||
		    i + 1 >= n || part_of(&s[i + 1]) == NULL)
			continue;
		if (!project_name(s[i].title, name, sizeof(name))) {
			say(opt, s[i].page + 1, "project without a name, kept as explanations",
			    s[i].title);
			continue;
		}
		pr = json_object();
		snprintf(id, sizeof(id), "p%zu", json_array_size(list) + 1);
		json_object_set_new(pr, "id", json_string(id));
		json_object_set_new(pr, "name", json_string(name));
		s[i].taken = true;
		for (k = i + 1; k < n && part_of(&s[k]) != NULL; k++) {
			char *t = joined(&s[k]);

			if (t != NULL && t[0] != '\0')
				project_part(pr, part_of(&s[k]), t);
			free(t);
			s[k].taken = true;
		}
		json_array_append_new(list, pr);
		i = k - 1;
	}
	if (json_array_size(list) > 0)
		json_object_set(doc, "projects", list);
	json_decref(list);
}

void ing_objects(struct ing_section *secs, size_t n, const struct ingest_options *opt, json_t *doc)
{
	const struct ing_section *sec;

	if ((sec = find(secs, n, "政府采购")) != NULL)
		procurement(sec, opt, doc);
	if ((sec = find(secs, n, "机关运行经费")) != NULL)
		operating_costs(sec, opt, doc);
	if ((sec = find(secs, n, "三公")) != NULL)
		sangong(sec, opt, doc);
	if ((sec = find(secs, n, "绩效")) != NULL)
		performance(sec, doc);
	if ((sec = find(secs, n, "国有资产")) != NULL)
		assets(sec, doc);
	projects(secs, n, opt, doc);
}
