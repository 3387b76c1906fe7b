"""The exception tree: every engine error reaches Python as the matching crmkit class."""

import pickle

import pytest

import crmkit
from crmkit._crmkit import _test

ALL_KINDS = {
    "Error": crmkit.Error,
    "NotFound": crmkit.NotFound,
    "ValidationError": crmkit.ValidationError,
    "PermissionDenied": crmkit.PermissionDenied,
    "Conflict": crmkit.Conflict,
    "RuleSyntaxError": crmkit.RuleSyntaxError,
    "WorkflowError": crmkit.WorkflowError,
    "StorageError": crmkit.StorageError,
}

SUBCLASSES = [cls for name, cls in ALL_KINDS.items() if name != "Error"]


def test_error_root_is_an_exception():
    assert issubclass(crmkit.Error, Exception)
    assert crmkit.Error.__module__ == "crmkit"


@pytest.mark.parametrize("cls", SUBCLASSES, ids=lambda c: c.__name__)
def test_every_error_derives_from_the_root(cls):
    assert issubclass(cls, crmkit.Error)
    assert cls.__module__ == "crmkit"
    assert cls.__name__ in crmkit.__all__
    assert getattr(crmkit, cls.__name__) is cls
    assert getattr(crmkit._crmkit, cls.__name__) is cls


def test_builtin_bases_where_they_fit():
    assert issubclass(crmkit.NotFound, KeyError)
    assert issubclass(crmkit.ValidationError, ValueError)
    # The others are not accidentally lookup or value errors.
    for cls in (crmkit.PermissionDenied, crmkit.Conflict, crmkit.RuleSyntaxError, crmkit.WorkflowError,
                crmkit.StorageError, crmkit.Error):
        assert not issubclass(cls, KeyError)
        assert not issubclass(cls, ValueError)


def test_sibling_classes_are_distinct():
    for a in SUBCLASSES:
        for b in SUBCLASSES:
            if a is not b:
                assert not issubclass(a, b), (a, b)


@pytest.mark.parametrize("kind", sorted(ALL_KINDS))
def test_each_engine_error_maps_one_to_one(kind):
    message = f"{kind} happened: 客户 🚀 not there"
    with pytest.raises(crmkit.Error) as info:
        _test.raise_error(kind, message)
    assert type(info.value) is ALL_KINDS[kind]
    assert str(info.value) == message
    assert info.value.args == (message,)


def test_not_found_is_a_key_error_with_a_plain_message():
    with pytest.raises(KeyError) as info:
        _test.raise_error("NotFound", "customer 42 does not exist")
    e = info.value
    assert isinstance(e, crmkit.NotFound)
    # KeyError would print "'customer 42 does not exist'" (quoted); a person wants the sentence.
    assert str(e) == "customer 42 does not exist"


def test_validation_error_is_a_value_error_with_field_and_row():
    with pytest.raises(ValueError) as info:
        _test.raise_error("ValidationError", "row 7: field_x is required")
    e = info.value
    assert isinstance(e, crmkit.ValidationError)
    assert e.field == "field_x"
    assert e.row == 7
    assert str(e) == "row 7: field_x is required"


def test_validation_error_raised_from_python_has_empty_field_and_row():
    e = crmkit.ValidationError("bad")
    assert e.field is None
    assert e.row is None
    assert str(e) == "bad"


def test_rule_syntax_error_has_position_line_and_column():
    with pytest.raises(crmkit.RuleSyntaxError) as info:
        _test.raise_error("RuleSyntaxError", "unknown field 'foo'")
    e = info.value
    assert (e.position, e.line, e.column) == (3, 1, 4)
    assert str(e) == "unknown field 'foo'"


def test_rule_syntax_error_raised_from_python_has_no_position():
    e = crmkit.RuleSyntaxError("x")
    assert (e.position, e.line, e.column) == (None, None, None)


def test_storage_engine_failure_arrives_as_storage_error():
    # The hook runs a statement the storage engine rejects; the db layer, not the bindings,
    # translates the engine's own exception.
    with pytest.raises(crmkit.StorageError) as info:
        _test.raise_error("SQLite", "THIS IS NOT SQL")
    assert type(info.value) is crmkit.StorageError
    assert "syntax error" in str(info.value)


def test_unexpected_std_exception_arrives_as_crmkit_error():
    # Never a bare RuntimeError: anything the engine throws is a crmkit.Error.
    with pytest.raises(crmkit.Error) as info:
        _test.raise_error("no-such-kind", "x")
    assert type(info.value) is crmkit.Error
    assert "no-such-kind" in str(info.value)


def test_errors_survive_pickling():
    # Errors cross process boundaries (multiprocessing workers, Django/Celery tasks).
    with pytest.raises(crmkit.NotFound) as info:
        _test.raise_error("NotFound", "user 9 does not exist")
    again = pickle.loads(pickle.dumps(info.value))
    assert type(again) is crmkit.NotFound
    assert str(again) == "user 9 does not exist"


def test_real_engine_errors_use_the_tree(mem_crm):
    with pytest.raises(crmkit.NotFound):
        mem_crm.customers.get(123456)
    with pytest.raises(crmkit.ValidationError) as info:
        mem_crm.customers.add(name="")
    assert info.value.field == "name"
    assert info.value.row is None
