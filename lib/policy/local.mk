# lib/policy: placeholder, filled by its module
