"""Family co-management: a parent invites a guardian who sees and approves for them."""
