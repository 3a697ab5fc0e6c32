'use strict';

// Renders an invoice { number, customer, lines: [{ item, quantity, price }] }
// as plain text, amounts in cents to avoid floating-point drift.

function cents(amount) {
  return Math.round(amount * 100);
}

function money(totalCents) {
  return (totalCents / 100).toFixed(2);
}

function render(invoice) {
  const rows = invoice.lines.map((line) => {
    const amount = cents(line.price) * line.quantity;
    return { text: `${line.quantity} x ${line.item}`, amount };
  });
  const total = rows.reduce((sum, row) => sum + row.amount, 0);
  return [
    `Invoice ${invoice.number} for ${invoice.customer}`,
    ...rows.map((row) => `${row.text.padEnd(30)}${money(row.amount).padStart(10)}`),
    `${'Total'.padEnd(30)}${money(total).padStart(10)}`,
  ].join('\n');
}

module.exports = { render };
