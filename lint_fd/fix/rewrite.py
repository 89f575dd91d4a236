"""Apply plans to the libcst tree: comments, blank lines and formatting stay as they were.

Statements are found by their first line (libcst's position of a statement is
where its code starts, as ``ast``'s ``lineno``), expressions by their exact
span. An edit that finds nothing to apply to (a statement sharing its line with
another, a one-line ``if x: stmt`` suite) is reported as not applied, and the
caller drops its plan.
"""
from __future__ import annotations

import ast
import bisect

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from .plans import AddImport, Plan, RemoveClose, ReplaceExpression, ReplaceStatement, WrapRun


class NotApplied(Exception):
    """Some edit found no place to apply: the plans are dropped."""


def apply(source: str, plans: list[Plan], tree: ast.Module | None = None) -> str:
    """The new text with every plan's edits; raises :class:`NotApplied` or a libcst error.

    With the module's ``tree``, libcst parses only the top-level statements the plans
    touch (a top-level statement starts at column 0, so its lines are a module of their
    own): parsing and positions cost grows with the code edited, not with the file."""
    imports = [edit for plan in plans for edit in plan.edits if isinstance(edit, AddImport)]
    segments = _segments(source, plans, tree) if tree is not None else None
    if segments is None:
        text = _apply_module(source, plans, 0)
    else:
        lines = source.splitlines(keepends=True)
        for (start, end), group in sorted(segments.items(), reverse=True):
            lines[start - 1:end] = [_apply_module("".join(lines[start - 1:end]), group, start - 1)]
        text = "".join(lines)
    for edit in _unique(imports):
        text = _add_import(text, edit)
    return text


def _apply_module(source: str, plans: list[Plan], line_offset: int) -> str:
    module = cst.parse_module(source)
    if module.code != source:  # libcst would not give this text back as it was (``except E :``)
        raise NotApplied("libcst does not round-trip this code exactly")
    rewriter = Rewriter(plans, line_offset)
    new = MetadataWrapper(module, unsafe_skip_copy=True).visit(rewriter)
    missing = [edit for plan in plans for edit in plan.edits
               if not isinstance(edit, AddImport) and id(edit) not in rewriter.applied]
    if missing:
        raise NotApplied(missing)
    return new.code


def _segments(source: str, plans: list[Plan], tree: ast.Module) -> dict | None:
    """Plans grouped by the line range of the top-level statement holding them; None when a
    plan spans two of them or a statement shares a line with another."""
    ranges = []
    for stmt in tree.body:
        decorators = getattr(stmt, "decorator_list", None)
        start = min([stmt.lineno] + [d.lineno for d in decorators or ()])
        if ranges and start <= ranges[-1][1]:
            return None  # a; b on one line
        ranges.append((start, stmt.end_lineno))
    groups: dict[tuple[int, int], list[Plan]] = {}
    for plan in plans:
        if all(isinstance(edit, AddImport) for edit in plan.edits):
            continue
        first, last = plan.lines
        index = bisect.bisect_right([r[0] for r in ranges], first) - 1
        if index < 0 or not ranges[index][0] <= first <= last <= ranges[index][1]:
            return None
        groups.setdefault(ranges[index], []).append(plan)
    return groups


def _unique(imports: list[AddImport]) -> list[AddImport]:
    seen, result = set(), []
    for edit in imports:
        if (edit.module, edit.name) not in seen:
            seen.add((edit.module, edit.name))
            result.append(edit)
    return result


def _position(transformer, node):
    return transformer.get_metadata(PositionProvider, node, None)


def _pass_line() -> cst.SimpleStatementLine:
    return cst.SimpleStatementLine([cst.Pass()])


def _is_close_call(statement: cst.CSTNode, target: str | None = None) -> cst.Call | None:
    """The ``x.close()`` call of a one-statement line."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    expr = statement.body[0]
    if not isinstance(expr, cst.Expr) or not isinstance(expr.value, cst.Call):
        return None
    call = expr.value
    if call.args or not isinstance(call.func, cst.Attribute) or call.func.attr.value != "close":
        return None
    if target is not None and not (isinstance(call.func.value, cst.Name) and call.func.value.value == target):
        return None
    return call


class Rewriter(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, plans: list[Plan], line_offset: int = 0):
        super().__init__()
        self.line_offset = line_offset
        self.applied: set[int] = set()
        self.wraps: dict[int, WrapRun] = {}
        self.removals: dict[int, RemoveClose] = {}
        self.replacements: dict[tuple[int, int], ReplaceStatement] = {}
        self.expressions: dict[tuple, object] = {}  # span -> ReplaceExpression or WrapRun (temporary)
        self.captured: dict[int, cst.BaseExpression] = {}
        self.flatten: set[int] = set()  # ids of updated Try nodes to replace by their body
        self.inserted_pass: set[int] = set()
        for plan in plans:
            for edit in plan.edits:
                if isinstance(edit, WrapRun):
                    self.wraps[(edit.first_line, edit.first_col)] = edit
                    if edit.call is not None:
                        self.expressions[edit.call] = edit
                elif isinstance(edit, RemoveClose):
                    self.removals[(edit.line, edit.col)] = edit
                elif isinstance(edit, ReplaceStatement):
                    self.replacements[(edit.line, edit.col)] = edit
                elif isinstance(edit, ReplaceExpression):
                    self.expressions[edit.span] = edit

    # -- expressions -----------------------------------------------------------
    def on_leave(self, original_node, updated_node):
        result = super().on_leave(original_node, updated_node)
        if isinstance(original_node, cst.BaseExpression) and self.expressions:
            position = _position(self, original_node)
            if position is not None:
                offset = self.line_offset
                key = (position.start.line + offset, position.start.column, position.end.line + offset,
                       position.end.column)
                edit = self.expressions.get(key)
                if isinstance(edit, WrapRun) and id(edit) not in self.captured:
                    self.captured[id(edit)] = result
                    return cst.parse_expression(edit.use.format(edit.target))
                if isinstance(edit, ReplaceExpression) and id(edit) not in self.applied:
                    self.applied.add(id(edit))
                    code = cst.Module([]).code_for_node(result)
                    return cst.parse_expression(edit.template.format(code))
        if isinstance(result, cst.BaseCompoundStatement) and not isinstance(result, cst.Try):
            result = self._fill_empty(result)
        return result

    def _fill_empty(self, node):
        body = getattr(node, "body", None)
        if isinstance(body, cst.IndentedBlock) and not body.body:
            inserted = _pass_line()
            self.inserted_pass.add(id(inserted))
            return node.with_changes(body=body.with_changes(body=[inserted]))
        return node

    def leave_ExceptHandler(self, original_node, updated_node):
        return self._fill_empty(updated_node)

    def leave_Else(self, original_node, updated_node):
        return self._fill_empty(updated_node)

    # -- try / finally left empty by a removed close() -----------------------------
    def leave_Try(self, original_node, updated_node):
        updated_node = self._fill_empty(updated_node)
        final = updated_node.finalbody
        if final is not None and not final.body.body:
            if updated_node.handlers:
                return updated_node.with_changes(finalbody=None)
            if updated_node.orelse is None:
                self.flatten.add(id(updated_node))
                return updated_node
            emptied = final.with_changes(body=final.body.with_changes(body=[_pass_line()]))
            return updated_node.with_changes(finalbody=emptied)
        return updated_node

    # -- statement lists -------------------------------------------------------------
    def leave_IndentedBlock(self, original_node, updated_node):
        return updated_node.with_changes(body=self._statements(original_node.body, updated_node.body))

    def leave_Module(self, original_node, updated_node):
        return updated_node.with_changes(body=self._statements(original_node.body, updated_node.body))

    def _statements(self, original, updated) -> list:
        """Apply the removals and wraps whose statements (by line and column) are in this list."""
        starts = []
        for statement in original:
            position = _position(self, statement)
            starts.append((position.start.line + self.line_offset, position.start.column) if position else (-1, -1))
        statements = list(updated)
        if len(statements) != len(starts):
            return statements
        for index in range(len(statements) - 1, -1, -1):
            removal = self.removals.get(starts[index])
            if removal is not None and id(removal) not in self.applied:
                replaced = self._remove_close(statements[index], removal)
                if replaced is not None:
                    statements[index:index + 1] = replaced
                    starts[index:index + 1] = [starts[index]] * len(replaced)
                    self.applied.add(id(removal))
        for index in range(len(statements) - 1, -1, -1):
            replacement = self.replacements.get(starts[index])
            statement = statements[index]
            if replacement is not None and id(replacement) not in self.applied and isinstance(
                statement, cst.SimpleStatementLine
            ) and len(statement.body) == 1:
                new = list(cst.parse_module(replacement.code + "\n").body)
                new[0] = new[0].with_changes(leading_lines=statement.leading_lines,
                                             trailing_whitespace=statement.trailing_whitespace)
                statements[index:index + 1] = new
                starts[index:index + 1] = [starts[index]] * len(new)
                self.applied.add(id(replacement))
        lines = [line for line, _ in starts]
        for index in range(len(starts) - 1, -1, -1):
            wrap = self.wraps.get(starts[index])
            if wrap is None or id(wrap) in self.applied or wrap.last_line not in lines[index:]:
                continue
            end = lines.index(wrap.last_line, index)
            built = self._wrap(statements[index:end + 1], wrap)
            if built is not None:
                statements[index:end + 1] = [built]
                starts[index:end + 1] = [starts[index]]
                lines[index:end + 1] = [lines[index]]
                self.applied.add(id(wrap))
        return self._flatten(statements)

    def _flatten(self, statements: list) -> list:
        result = []
        for statement in statements:
            if id(statement) in self.flatten:
                inner = list(statement.body.body)
                if inner:
                    inner[0] = inner[0].with_changes(leading_lines=[*statement.leading_lines, *inner[0].leading_lines])
                result.extend(inner)
            else:
                result.append(statement)
        return result

    def _remove_close(self, statement, removal: RemoveClose) -> list | None:
        call = _is_close_call(statement)
        if call is None:
            return None
        if removal.keep_receiver:
            expr = statement.body[0].with_changes(value=call.func.value)
            return [statement.with_changes(body=[expr])]
        return []

    def _wrap(self, statements: list, wrap: WrapRun):
        first = statements[0]
        if not isinstance(first, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            return None
        if isinstance(first, cst.SimpleStatementLine) and len(first.body) != 1:
            return None
        last = statements[-1]
        if isinstance(last, cst.SimpleStatementLine) and len(last.body) != 1:
            return None
        leading = first.leading_lines
        if wrap.bind_line:
            assign = first.body[0] if isinstance(first, cst.SimpleStatementLine) else None
            if not (isinstance(assign, cst.Assign) and len(assign.targets) == 1
                    and isinstance(assign.targets[0].target, cst.Name)
                    and assign.targets[0].target.value == wrap.target):
                return None
            header_value = assign.value
            inner = list(statements[1:])
            header = first.trailing_whitespace
        elif wrap.bare:  # open(p) alone: opened and closed, nothing to bind
            header_value = self.captured.get(id(wrap))
            if header_value is None or not isinstance(first, cst.SimpleStatementLine):
                return None
            inner = [_pass_line(), *statements[1:]]
            header = first.trailing_whitespace
        else:
            header_value = self.captured.get(id(wrap))
            if header_value is None:
                return None
            inner = [first.with_changes(leading_lines=[]), *statements[1:]]
            header = cst.TrailingWhitespace()
        if wrap.drop_last == "close" and inner and _is_close_call(inner[-1], wrap.target) is not None:
            if not any(line.comment for line in inner[-1].leading_lines):  # a comment above it stays with it
                inner.pop()
        elif wrap.drop_last == "try" and inner and isinstance(inner[-1], cst.Try):
            inner[-1] = self._without_closing_finally(inner[-1], wrap.target)
            if inner[-1] is None:
                return None
            if isinstance(inner[-1], list):
                inner[-1:] = inner[-1]
        if not inner:
            inner = [_pass_line()]
        if wrap.closing:
            header_value = cst.Call(func=cst.parse_expression(wrap.closing), args=[cst.Arg(header_value)])
        asname = None if wrap.bare else cst.AsName(name=cst.Name(wrap.target))
        return cst.With(
            items=[cst.WithItem(item=header_value, asname=asname)],
            body=cst.IndentedBlock(body=inner, header=header),
            leading_lines=leading,
        )

    @staticmethod
    def _without_closing_finally(node: cst.Try, target: str):
        final = node.finalbody
        if final is None or len(final.body.body) != 1 or _is_close_call(final.body.body[0], target) is None:
            return None
        if node.handlers:
            return node.with_changes(finalbody=None)
        if node.orelse is not None:
            return None
        inner = list(node.body.body)
        inner[0] = inner[0].with_changes(leading_lines=[*node.leading_lines, *inner[0].leading_lines])
        return inner


def _add_import(text: str, edit: AddImport) -> str:
    """``import module`` after the leading imports (after the docstring when there are none),
    or ``, name`` after the last name of an existing ``from module import ...``."""
    tree = ast.parse(text)
    lines = text.splitlines(keepends=True)
    newline = "\r\n" if "\r\n" in text else "\n"
    if edit.name is not None:
        for stmt in tree.body:
            if isinstance(stmt, ast.ImportFrom) and stmt.module == edit.module and stmt.level == 0:
                if any(alias.name == "*" for alias in stmt.names):
                    break
                last = stmt.names[-1]
                line = lines[last.end_lineno - 1]
                column = len(line.encode("utf-8")[:last.end_col_offset].decode("utf-8", errors="ignore"))
                lines[last.end_lineno - 1] = line[:column] + f", {edit.name}" + line[column:]
                return "".join(lines)
        edit = AddImport(edit.module)
    if any(isinstance(stmt, ast.Import) and any(a.name == edit.module and a.asname is None for a in stmt.names)
           for stmt in tree.body):
        return text
    after = None
    for index, stmt in enumerate(tree.body):
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            after = stmt.end_lineno
        elif index == 0 and isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) \
                and isinstance(stmt.value.value, str):
            after = stmt.end_lineno
        else:
            break
    if after is None:  # before the first statement (its decorators included), after any comments
        first = tree.body[0] if tree.body else None
        after = len(lines)
        if first is not None:
            after = min([first.lineno] + [d.lineno for d in getattr(first, "decorator_list", ())]) - 1
    if after > 0 and not lines[after - 1].endswith(("\n", "\r")):
        lines[after - 1] += newline
    lines.insert(after, f"import {edit.module}{newline}")
    return "".join(lines)
