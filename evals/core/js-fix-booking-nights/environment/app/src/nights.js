'use strict';

// Nights and prices for hotel bookings. Dates are calendar dates written
// "YYYY-MM-DD"; a stay from check-in to check-out is check-out minus
// check-in nights, whatever the time zone of the server.

const MS_PER_DAY = 24 * 60 * 60 * 1000;

function parseDay(text) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) {
    throw new RangeError(`not a YYYY-MM-DD date: ${text}`);
  }
  const [, year, month, day] = match.map(Number);
  return new Date(year, month, day);
}

function nightsBetween(checkIn, checkOut) {
  const nights = Math.round((parseDay(checkOut) - parseDay(checkIn)) / MS_PER_DAY);
  if (nights < 1) {
    throw new RangeError(`check-out ${checkOut} is not after check-in ${checkIn}`);
  }
  return nights;
}

function stayPrice(checkIn, checkOut, nightlyRate) {
  return nightsBetween(checkIn, checkOut) * nightlyRate;
}

module.exports = { nightsBetween, stayPrice };
