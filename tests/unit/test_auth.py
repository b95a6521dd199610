import hashlib

from mcbackend.domain.auth import (
    Principal,
    Role,
    generate_api_key,
    hash_secret,
    secret_matches,
    split_api_key,
)


def test_generated_key_has_scheme_prefix_and_secret():
    new = generate_api_key()
    scheme, prefix, secret = new.plaintext.split("_", 2)
    assert scheme == "mck"
    assert prefix == new.prefix and len(prefix) == 12
    assert len(secret) >= 43  # 32 random bytes, url-safe base64


def test_only_a_hash_of_the_secret_is_kept():
    new = generate_api_key()
    _, secret = split_api_key(new.plaintext)
    assert secret not in new.secret_hash
    assert new.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert new.plaintext not in repr(new.secret_hash)


def test_keys_are_unique():
    keys = {generate_api_key().plaintext for _ in range(200)}
    prefixes = {k.split("_")[1] for k in keys}
    assert len(keys) == 200 and len(prefixes) == 200


def test_secret_matches_only_the_right_secret():
    new = generate_api_key()
    _, secret = split_api_key(new.plaintext)
    assert secret_matches(secret, new.secret_hash)
    assert not secret_matches(secret + "x", new.secret_hash)
    assert not secret_matches("", hash_secret("something"))


def test_malformed_keys_do_not_split():
    for bad in ["", "mck", "mck_", "mck__secret", "abc_prefix_secret", "mck_prefix_", "Bearer x"]:
        assert split_api_key(bad) is None
    assert split_api_key("mck_abc_def_with_underscores") == ("abc", "def_with_underscores")


def test_admin_may_do_everything_others_only_their_role():
    admin = Principal(1, "t", 1, Role.ADMIN)
    floor = Principal(1, "t", 2, Role.SHOPFLOOR)
    assert admin.has_any(frozenset({Role.SHOPFLOOR}))
    assert floor.has_any(frozenset({Role.SHOPFLOOR}))
    assert not floor.has_any(frozenset({Role.INTEGRATOR}))
