"""Sites (tenants), their keys and allowed origins, articles (threads) and memberships."""
