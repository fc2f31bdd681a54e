# lib/arn: placeholder, filled by its module
