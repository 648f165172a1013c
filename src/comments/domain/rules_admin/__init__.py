"""The rules admin API: read and change a site's rule set and an article's override (audited), the
rules history, dry-run a comment through the real pipeline, and backtest a proposed rule set. It sits
above `comments` (the dry run uses the posting pipeline's judge); the rule set itself is `rules`."""
