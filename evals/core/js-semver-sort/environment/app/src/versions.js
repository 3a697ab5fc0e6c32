'use strict';

// Version ordering for the release dashboard. Versions follow SemVer 2.0.0:
// MAJOR.MINOR.PATCH, optionally followed by -PRERELEASE and/or +BUILD.

function compareVersions(a, b) {
  const left = a.split('.');
  const right = b.split('.');
  for (let i = 0; i < 3; i += 1) {
    if (left[i] < right[i]) return -1;
    if (left[i] > right[i]) return 1;
  }
  return 0;
}

// The highest version in `versions`, or undefined for an empty list.
function latest(versions) {
  return [...versions].sort(compareVersions).pop();
}

module.exports = { compareVersions, latest };
