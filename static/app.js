// SPDX-License-Identifier: MIT
// Lists the departments in the store. The full disclosure page builds on this.
'use strict';

(async function () {
  const status = document.getElementById('status');
  const list = document.getElementById('departments');
  try {
    const res = await fetch('/api/v1/departments', { headers: { Accept: 'application/json' } });
    if (!res.ok) throw new Error('HTTP ' + res.status);
    const body = await res.json();
    for (const d of body.items) {
      const li = document.createElement('li');
      li.textContent = d.name + '（' + d.years.join('、') + '年）';
      list.appendChild(li);
    }
    status.textContent = '共 ' + body.total + ' 个部门';
  } catch (e) {
    status.textContent = '无法读取数据，请稍后再试。（' + e.message + '）';
    status.className = 'error';
  }
})();
