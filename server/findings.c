// SPDX-License-Identifier: MIT
// What `budgetctl import` stores with each document: the audit rules' findings (issue 12),
// computed before the document is written. Findings never refuse a document.
#include "srv.h"

#include "audit.h"

json_t *srv_findings_for(const json_t *doc)
{
	struct audit_error err = { 0 };

	return audit_run(doc, &err);
}
