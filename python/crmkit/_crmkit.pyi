"""
crmkit's C++ engine. Use the crmkit package, which re-exports everything here.
"""
from __future__ import annotations
import collections.abc
import datetime
import numpy
import numpy.typing
import typing
class Error(Exception):
    ...
class NotFound(Error, KeyError):
    ...
class ValidationError(Error, ValueError):
    field: str | None
    row: int | None
class PermissionDenied(Error):
    ...
class Conflict(Error):
    ...
class RuleSyntaxError(Error):
    position: int
    line: int
    column: int
class WorkflowError(Error):
    ...
class StorageError(Error):
    ...
__all__: list[str] = ['Clock', 'Conflict', 'Contact', 'Contacts', 'Crm', 'Customer', 'Customers', 'Error', 'FieldDef', 'Fields', 'NotFound', 'PermissionDenied', 'Role', 'Roles', 'RuleSyntaxError', 'SCHEMA_VERSION', 'Stages', 'StorageError', 'Table', 'Team', 'Teams', 'Transaction', 'User', 'Users', 'ValidationError', 'WorkflowError', 'log_level', 'open', 'set_log_level']
class Table:
    """
    Columnar rows returned by the engine.
    """
    def __getitem__(self, key):
        ...
    def __init__(self) -> None:
        ...
    def __iter__(self):
        ...
    def __len__(self) -> int:
        ...
    def __repr__(self):
        ...
    def _raw(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> tuple[str, str, typing.Any, numpy.typing.NDArray[numpy.uint8]]:
        ...
    def column(self, name):
        """
        One column as a list of Python values.
        """
    def rows(self):
        """
        All rows as a list of dicts.
        """
    def to_pandas(self):
        """
        A DataFrame built column by column (times as UTC datetime64, NULLs as NA/NaT/None).
        """
    @property
    def column_types(self) -> dict:
        ...
    @property
    def columns(self) -> list:
        ...
class Team:
    """
    A team (a node of the organisation tree).
    """
    __hash__: typing.ClassVar[None] = None
    _fields: typing.ClassVar[tuple] = ('id', 'name', 'parent_id', 'lead_id', 'created_at', 'version')
    def __eq__(self, other):
        ...
    def __repr__(self):
        ...
    def to_dict(self):
        ...
    @property
    def created_at(self) -> datetime.datetime:
        ...
    @property
    def id(self) -> int:
        ...
    @property
    def lead_id(self) -> int | None:
        ...
    @property
    def name(self) -> str:
        ...
    @property
    def parent_id(self) -> int | None:
        ...
    @property
    def version(self) -> int:
        ...
class User:
    """
    A user of the CRM.
    """
    __hash__: typing.ClassVar[None] = None
    _fields: typing.ClassVar[tuple] = ('id', 'login', 'name', 'email', 'role', 'team_id', 'manager_id', 'active', 'created_at', 'version')
    def __eq__(self, other):
        ...
    def __repr__(self):
        ...
    def to_dict(self):
        ...
    @property
    def active(self) -> bool:
        ...
    @property
    def created_at(self) -> datetime.datetime:
        ...
    @property
    def email(self) -> str | None:
        ...
    @property
    def id(self) -> int:
        ...
    @property
    def login(self) -> str:
        ...
    @property
    def manager_id(self) -> int | None:
        ...
    @property
    def name(self) -> str:
        ...
    @property
    def role(self) -> str:
        ...
    @property
    def team_id(self) -> int | None:
        ...
    @property
    def version(self) -> int:
        ...
class Role:
    """
    A role: a scope per entity, and whether it approves or administers.
    """
    __hash__: typing.ClassVar[None] = None
    _fields: typing.ClassVar[tuple] = ('name', 'scopes', 'approve', 'admin')
    def __eq__(self, other):
        ...
    def __repr__(self):
        ...
    def to_dict(self):
        ...
    @property
    def admin(self) -> bool:
        ...
    @property
    def approve(self) -> bool:
        ...
    @property
    def name(self) -> str:
        ...
    @property
    def scopes(self) -> dict:
        ...
class Teams:
    """
    crm.teams: the organisation tree.
    """
    def add(self, name: str, parent: int | None = None, lead: int | None = None) -> Team:
        ...
    def by_name(self, name: str) -> Team:
        ...
    def get(self, team: int) -> Team:
        ...
    def list(self) -> Table:
        ...
    def move(self, team: int, parent: int | None) -> Team:
        ...
    def set_lead(self, team: int, lead: int | None) -> Team:
        ...
    def subtree(self, team: int) -> list[int]:
        ...
class Users:
    """
    crm.users: people who use the CRM.
    """
    def add(self, login: str, name: str, role: str = 'sales', team: int | None = None, manager: int | None = None, email: str | None = None) -> User:
        ...
    def get(self, user: typing.Any) -> User:
        """
        A user by id, record or login.
        """
    def list(self, team: int | None = None, role: str | None = None) -> Table:
        ...
    def managers(self, user: int) -> list[int]:
        ...
    def reports(self, user: int) -> list[int]:
        ...
    def update(self, user: int, expected_version: typing.SupportsInt | typing.SupportsIndex | None = None, **kwargs) -> User:
        ...
class Roles:
    """
    crm.roles: what each role may see and do.
    """
    def define(self, name: str, approve: bool | None = None, admin: bool | None = None, **kwargs) -> Role:
        """
        Define or redefine a role: roles.define('sales', customers='own', leads='team', approve=False).
        """
    def get(self, name: str) -> Role:
        ...
    def list(self) -> Table:
        ...
class FieldDef:
    """
    A custom field definition.
    """
    __hash__: typing.ClassVar[None] = None
    _fields: typing.ClassVar[tuple] = ('id', 'entity', 'name', 'type', 'label', 'options', 'min', 'max', 'required')
    def __eq__(self, other):
        ...
    def __repr__(self):
        ...
    def to_dict(self):
        ...
    @property
    def entity(self) -> str:
        ...
    @property
    def id(self) -> int:
        ...
    @property
    def label(self) -> str | None:
        ...
    @property
    def max(self) -> float | None:
        ...
    @property
    def min(self) -> float | None:
        ...
    @property
    def name(self) -> str:
        ...
    @property
    def options(self) -> list[str]:
        ...
    @property
    def required(self) -> bool:
        ...
    @property
    def type(self) -> str:
        ...
class Fields:
    """
    crm.fields: custom fields of customers, contacts, opportunities and leads.
    """
    def add(self, entity: str, name: str, type: str, options: collections.abc.Sequence[str] | None = None, min: typing.SupportsFloat | typing.SupportsIndex | None = None, max: typing.SupportsFloat | typing.SupportsIndex | None = None, required: bool = False, label: str | None = None) -> FieldDef:
        ...
    def get(self, entity: str, name: str) -> FieldDef:
        ...
    def list(self, entity: str | None = None) -> Table:
        ...
    def remove(self, entity: str, name: str) -> None:
        ...
class Stages:
    """
    crm.lifecycle / crm.pipeline: ordered, configurable stages.
    """
    def probabilities(self) -> list[tuple[str, float]]:
        """
        (name, probability) pairs, in order (pipeline stages).
        """
    def set_stages(self, stages: collections.abc.Iterable) -> None:
        ...
    def stages(self) -> list[str]:
        """
        The stage names, in order.
        """
class Customer:
    """
    A customer record (an immutable snapshot).
    """
    __hash__: typing.ClassVar[None] = None
    _fields: typing.ClassVar[tuple] = ('id', 'name', 'kind', 'industry', 'owner_id', 'source', 'phone', 'email', 'stage', 'tags', 'fields', 'created_by', 'created_at', 'updated_at', 'version')
    def __eq__(self, other):
        ...
    def __repr__(self):
        ...
    def to_dict(self):
        ...
    @property
    def created_at(self) -> datetime.datetime:
        ...
    @property
    def created_by(self) -> int | None:
        ...
    @property
    def email(self) -> str | None:
        ...
    @property
    def fields(self) -> dict[str, typing.Any]:
        ...
    @property
    def id(self) -> int:
        ...
    @property
    def industry(self) -> str | None:
        ...
    @property
    def kind(self) -> str:
        ...
    @property
    def name(self) -> str:
        ...
    @property
    def owner_id(self) -> int | None:
        ...
    @property
    def phone(self) -> str | None:
        ...
    @property
    def source(self) -> str | None:
        ...
    @property
    def stage(self) -> str:
        ...
    @property
    def tags(self) -> list[str]:
        ...
    @property
    def updated_at(self) -> datetime.datetime:
        ...
    @property
    def version(self) -> int:
        ...
class Contact:
    """
    A contact person of a customer.
    """
    __hash__: typing.ClassVar[None] = None
    _fields: typing.ClassVar[tuple] = ('id', 'customer_id', 'name', 'title', 'phone', 'email', 'fields', 'created_at', 'updated_at', 'version')
    def __eq__(self, other):
        ...
    def __repr__(self):
        ...
    def to_dict(self):
        ...
    @property
    def created_at(self) -> datetime.datetime:
        ...
    @property
    def customer_id(self) -> int:
        ...
    @property
    def email(self) -> str | None:
        ...
    @property
    def fields(self) -> dict[str, typing.Any]:
        ...
    @property
    def id(self) -> int:
        ...
    @property
    def name(self) -> str:
        ...
    @property
    def phone(self) -> str | None:
        ...
    @property
    def title(self) -> str | None:
        ...
    @property
    def updated_at(self) -> datetime.datetime:
        ...
    @property
    def version(self) -> int:
        ...
class Customers:
    """
    crm.customers: customer records, tags, stages and history.
    """
    def add(self, **kwargs) -> Customer:
        """
        add(name=..., kind='company', industry=None, owner=None, source=None, phone=None, email=None, stage=None, tags=None, fields=None) -> Customer
        """
    def add_many(self, rows: collections.abc.Iterable) -> list[int]:
        """
        Adds all rows in one transaction (all or nothing); returns their ids.
        """
    def count(self, name_contains: str | None = None, tag: str | None = None, owner: int | None = None, team: int | None = None, stage: str | None = None, industry: str | None = None, kind: str | None = None, source: str | None = None, pool: bool = False) -> int:
        ...
    def delete(self, customer: int, expected_version: typing.SupportsInt | typing.SupportsIndex | None = None) -> None:
        ...
    def find(self, name_contains: str | None = None, tag: str | None = None, owner: int | None = None, team: int | None = None, stage: str | None = None, industry: str | None = None, kind: str | None = None, source: str | None = None, pool: bool = False, after: typing.SupportsInt | typing.SupportsIndex | None = None, limit: typing.SupportsInt | typing.SupportsIndex | None = None, offset: typing.SupportsInt | typing.SupportsIndex = 0) -> Table:
        ...
    def get(self, customer: int) -> Customer:
        ...
    def history(self, customer: int) -> Table:
        ...
    def set_stage(self, customer: int, stage: str) -> Customer:
        ...
    def tag(self, customer: int, tag: str) -> Customer:
        ...
    def untag(self, customer: int, tag: str) -> Customer:
        ...
    def update(self, customer: int, expected_version: typing.SupportsInt | typing.SupportsIndex | None = None, **kwargs) -> Customer:
        ...
class Contacts:
    """
    crm.contacts: the people at a customer.
    """
    def add(self, customer: int, **kwargs) -> Contact:
        """
        add(customer, name=..., title=None, phone=None, email=None, fields=None)
        """
    def delete(self, contact: int) -> None:
        ...
    def get(self, contact: int) -> Contact:
        ...
    def list(self, customer: int) -> Table:
        ...
    def update(self, contact: int, expected_version: typing.SupportsInt | typing.SupportsIndex | None = None, **kwargs) -> Contact:
        ...
class Clock:
    """
    crm.clock: the engine's notion of now; freeze and advance it in tests.
    """
    def advance(self, days: typing.SupportsFloat | typing.SupportsIndex = 0.0, hours: typing.SupportsFloat | typing.SupportsIndex = 0.0, minutes: typing.SupportsFloat | typing.SupportsIndex = 0.0, seconds: typing.SupportsFloat | typing.SupportsIndex = 0.0) -> None:
        ...
    def freeze(self, at: datetime.datetime | datetime.date | str) -> None:
        ...
    def now(self) -> datetime.datetime:
        ...
    def unfreeze(self) -> None:
        ...
    @property
    def frozen(self) -> bool:
        ...
class Transaction:
    """
    A transaction scope: use `with crm.transaction():`.
    """
    def __enter__(self) -> Transaction:
        ...
    def __exit__(self, arg0: typing.Any, arg1: typing.Any, arg2: typing.Any) -> bool:
        ...
class Crm:
    """
    One opened CRM database: the system view, or a view scoped to a user.
    """
    def __enter__(self) -> Crm:
        ...
    def __exit__(self, arg0: typing.Any, arg1: typing.Any, arg2: typing.Any) -> bool:
        ...
    def as_user(self, user: int) -> Crm:
        """
        The same CRM seen and changed as `user`: scoped reads, checked writes.
        """
    def close(self) -> None:
        ...
    def history(self, entity: str, id: int) -> Table:
        ...
    def transaction(self) -> Transaction:
        ...
    @property
    def clock(self) -> Clock:
        ...
    @property
    def closed(self) -> bool:
        ...
    @property
    def contacts(self) -> Contacts:
        ...
    @property
    def customers(self) -> Customers:
        ...
    @property
    def fields(self) -> Fields:
        ...
    @property
    def lifecycle(self) -> Stages:
        ...
    @property
    def path(self) -> str:
        ...
    @property
    def pipeline(self) -> Stages:
        ...
    @property
    def roles(self) -> Roles:
        ...
    @property
    def schema_version(self) -> int:
        ...
    @property
    def teams(self) -> Teams:
        ...
    @property
    def user(self) -> User | None:
        ...
    @property
    def users(self) -> Users:
        ...
def log_level() -> str:
    """
    The engine's current log level.
    """
def open(path: str = ':memory:', synchronous: str = 'normal', busy_timeout: typing.SupportsFloat | typing.SupportsIndex = 10.0) -> Crm:
    """
    Opens (creating and migrating) a CRM database; ':memory:' for a throwaway one.
    """
def set_log_level(level: str) -> None:
    """
    Sets the engine's log level (trace, debug, info, warning, error, critical, off). Records also reach logging.getLogger('crmkit').
    """
SCHEMA_VERSION: int = 1
