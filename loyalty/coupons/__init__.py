"""Coupons (SPEC 9.3): templates HQ defines, coupons members hold, and their use at checkout."""
