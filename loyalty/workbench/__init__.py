"""The guide workbench's loyalty side (SPEC 22): tasks for guides and the coupons guides issue."""
