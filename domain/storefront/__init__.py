"""The member's storefront belongings (SPEC 21): cart, address book, favourites, browsing
history."""
