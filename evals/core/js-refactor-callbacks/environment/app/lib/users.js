'use strict';

const db = require('./db');

// A user with their team's title: { id, name, team }.
function loadUser(id, callback) {
  db.get(`user:${id}`, (error, user) => {
    if (error) {
      callback(error);
      return;
    }
    if (user === null) {
      callback(new Error(`user not found: ${id}`));
      return;
    }
    db.get(`team:${user.teamId}`, (teamError, team) => {
      if (teamError) {
        callback(teamError);
        return;
      }
      callback(null, { id: user.id, name: user.name, team: team === null ? null : team.title });
    });
  });
}

// Several users, in the order of `ids`; the first error wins.
function loadUsers(ids, callback) {
  const results = new Array(ids.length);
  let pending = ids.length;
  let failed = false;
  if (pending === 0) {
    callback(null, []);
    return;
  }
  ids.forEach((id, index) => {
    loadUser(id, (error, user) => {
      if (failed) {
        return;
      }
      if (error) {
        failed = true;
        callback(error);
        return;
      }
      results[index] = user;
      pending -= 1;
      if (pending === 0) {
        callback(null, results);
      }
    });
  });
}

module.exports = { loadUser, loadUsers };
