"""Checks Python code that uses this package against the generated Python bindings.

Every class, keyword argument, method and attribute the code reaches from an import of
`cdk_redis_stable_readers` is looked up in the wheel's own `cdk_redis_stable_readers/__init__.py`
(jsii-pacmak's output, read with `ast`, not imported). What it reaches from `aws_cdk` (not installable
here: no PyPI) is looked up in aws-cdk-lib's jsii assembly, the source its Python bindings are
generated from, with jsii-pacmak's naming (camelCase -> snake_case). Values whose type cannot be
followed (results of plain Python, literals, dict items) are not checked, and are counted.
"""
import ast
import gzip
import json
import pathlib
import re

# Our bindings' aliases for other assemblies, e.g. `import aws_cdk.aws_ec2 as _aws_cdk_aws_ec2_ceddda9d`.
ALIAS_IMPORT = re.compile(r"^\s*import (aws_cdk(?:\.[\w.]+)?|constructs) as (\w+)$", re.M)


def snake(name: str) -> str:
    """jsii-pacmak's Python name for a jsii member or parameter (fromVpcAttributes -> from_vpc_attributes)."""
    if name.isupper() or "_" in name:
        return name
    out = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    out = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", out)
    return out.lower()


def python_module_to_assembly(module: str) -> str:
    """aws_cdk.aws_ec2 -> aws-cdk-lib.aws_ec2; aws_cdk -> aws-cdk-lib; constructs -> constructs."""
    if module == "constructs":
        return "constructs"
    return "aws-cdk-lib" + module[len("aws_cdk"):]


class Jsii:
    """Types of aws-cdk-lib and constructs, from their .jsii assemblies."""

    def __init__(self, node_modules: pathlib.Path):
        self.types = {}
        for package in ("aws-cdk-lib", "constructs"):
            path = node_modules / package / ".jsii"
            data = json.loads(path.read_text())
            if data.get("schema") == "jsii/file-redirect":
                data = json.loads(gzip.decompress((path.parent / data["filename"]).read_bytes()))
            self.types.update(data["types"])

    def members(self, fqn: str) -> dict:
        """Python name -> ('method' | 'property', jsii member) over the type, its bases and interfaces."""
        found = {}
        todo, seen = [fqn], set()
        while todo:
            current = todo.pop()
            if current in seen or current not in self.types:
                continue
            seen.add(current)
            spec = self.types[current]
            for method in spec.get("methods", []):
                found.setdefault(snake(method["name"]), ("method", method))
            for prop in spec.get("properties", []):
                found.setdefault(prop["name"] if prop.get("const") else snake(prop["name"]), ("property", prop))
            for member in spec.get("members", []):  # enum members
                found.setdefault(member["name"], ("property", {"type": {"fqn": current}}))
            todo.extend(spec.get("interfaces", []))
            if "base" in spec:
                todo.append(spec["base"])
        return found

    def struct_fields(self, fqn: str) -> set:
        return {name for name, (kind, _) in self.members(fqn).items() if kind == "property"}

    def keywords(self, parameters: list) -> set:
        """Keyword names of a jsii callable: a trailing struct parameter is spread into keyword arguments."""
        names = {snake(p["name"]) for p in parameters}
        if parameters:
            last = parameters[-1].get("type", {}).get("fqn")
            if last and self.types.get(last, {}).get("datatype"):
                names |= self.struct_fields(last)
        return names


class Bindings:
    """The generated module: classes, their members and keyword arguments, read with ast."""

    def __init__(self, source: str):
        self.aliases = {alias: python_module_to_assembly(module) for module, alias in ALIAS_IMPORT.findall(source)}
        self.classes = {}
        for node in ast.parse(source).body:
            if isinstance(node, ast.ClassDef):
                members = {}
                for item in node.body:
                    if isinstance(item, ast.FunctionDef):
                        decorators = {ast.unparse(d) for d in item.decorator_list}
                        kind = "property" if "builtins.property" in decorators else "method"
                        args = item.args
                        keywords = {a.arg for a in args.args + args.kwonlyargs if a.arg not in ("self", "cls")}
                        members[item.name] = (kind, keywords, ast.unparse(item.returns) if item.returns else None)
                self.classes[node.name] = {"bases": [ast.unparse(b) for b in node.bases], "members": members}

    def type_of(self, annotation):
        """A return annotation as a type: ('ours', Class), ('jsii', fqn) or None."""
        if not annotation:
            return None
        name = annotation.strip("'\"")
        name = re.sub(r"^typing\.Optional\[[\"']?(.*?)[\"']?\]$", r"\1", name)
        if name in self.classes:
            return ("ours", name)
        if "." in name:
            alias, _, type_name = name.partition(".")
            if alias in self.aliases:
                return ("jsii", f"{self.aliases[alias]}.{type_name}")
        return None

    def member(self, cls: str, name: str):
        """(kind, keywords, return annotation) of a member, searching our bases; or the first foreign base."""
        todo, seen = [cls], set()
        foreign = []
        while todo:
            current = todo.pop(0)
            if current in seen:
                continue
            seen.add(current)
            spec = self.classes.get(current)
            if spec is None:
                continue
            if name in spec["members"]:
                return spec["members"][name], None
            for base in spec["bases"]:
                if base in self.classes:
                    todo.append(base)
                else:
                    base_type = self.type_of(base)
                    if base_type:
                        foreign.append(base_type)
        return None, foreign


class Checker(ast.NodeVisitor):
    def __init__(self, bindings: Bindings, jsii: Jsii, module: str = "cdk_redis_stable_readers"):
        self.bindings, self.jsii, self.module = bindings, jsii, module
        self.names = {}  # local name -> type
        self.errors, self.checked, self.unchecked = [], 0, 0

    def error(self, node, message):
        self.errors.append(f"line {node.lineno}: {message}")

    # Imports bind module and class names.
    def visit_ImportFrom(self, node):
        for alias in node.names:
            local = alias.asname or alias.name
            if node.module == self.module:
                if alias.name not in self.bindings.classes:
                    self.error(node, f"{self.module} has no {alias.name}")
                self.names[local] = ("ours-class", alias.name)
            elif node.module and (node.module == "aws_cdk" or node.module.startswith("aws_cdk.")):
                assembly = python_module_to_assembly(node.module)
                if f"{assembly}.{alias.name}" in self.jsii.types:
                    self.names[local] = ("jsii-class", f"{assembly}.{alias.name}")
                else:
                    self.names[local] = ("jsii-module", f"{assembly}.{alias.name}")

    def visit_Import(self, node):
        for alias in node.names:
            if alias.name.startswith("aws_cdk") and alias.asname:
                self.names[alias.asname] = ("jsii-module", python_module_to_assembly(alias.name))

    def visit_Assign(self, node):
        value = self.evaluate(node.value)
        for target in node.targets:
            if isinstance(target, ast.Name):
                if value:
                    self.names[target.id] = value
                else:
                    self.names.pop(target.id, None)

    def visit_Expr(self, node):
        self.evaluate(node.value)

    # Expressions: returns what the value is, checking each step on the way.
    def evaluate(self, node):
        if isinstance(node, ast.Name):
            return self.names.get(node.id)
        if isinstance(node, ast.Attribute):
            return self.attribute(node, self.evaluate(node.value), call=None)
        if isinstance(node, ast.Call):
            for arg in node.args:
                self.evaluate(arg)
            for keyword in node.keywords:
                self.evaluate(keyword.value)
            if isinstance(node.func, ast.Attribute):
                return self.attribute(node.func, self.evaluate(node.func.value), call=node)
            return self.call(node, self.evaluate(node.func))
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self.evaluate(child)
        return None

    def check_keywords(self, node, allowed, what):
        for keyword in node.keywords:
            if keyword.arg is not None and keyword.arg not in allowed:
                self.error(node, f"{what} has no keyword argument {keyword.arg!r}")
            else:
                self.checked += 1

    def call(self, node, callee):
        """A call of a class (construction)."""
        if callee is None:
            self.unchecked += 1
            return None
        kind, name = callee
        if kind == "ours-class":
            (member, foreign) = self.bindings.member(name, "__init__")
            self.check_keywords(node, member[1] if member else set(), f"{name}()")
            return ("ours", name)
        if kind == "jsii-class":
            spec = self.jsii.types[name]
            if spec.get("datatype"):  # a struct: its fields are the keyword arguments
                allowed = self.jsii.struct_fields(name)
            else:
                allowed = self.jsii.keywords(spec.get("initializer", {}).get("parameters", []))
            self.check_keywords(node, allowed, f"{name}()")
            return ("jsii", name)
        self.unchecked += 1
        return None

    def attribute(self, node, owner, call):
        """owner.attr, or owner.attr(...) when call is given."""
        if owner is None:
            self.unchecked += 1
            return None
        kind, name = owner
        attr = node.attr
        if kind == "jsii-module":
            fqn = f"{name}.{attr}"
            if fqn in self.jsii.types:
                value = ("jsii-class", fqn)
                return self.call(call, value) if call else value
            if any(t.startswith(fqn + ".") for t in self.jsii.types):
                return ("jsii-module", fqn)
            self.error(node, f"{name} has no {attr}")
            return None
        if kind in ("ours", "ours-class"):
            member, foreign = self.bindings.member(name, attr)
            if member is None:
                # Inherited from aws-cdk-lib or constructs (Resource, Construct, IConnectable), if anywhere.
                for base in foreign or []:
                    if attr in self.jsii.members(base[1]):
                        return self.attribute(node, base, call)
                bases = ", ".join(base[1] for base in foreign or [])
                self.error(node, f"{name} has no {attr}" + (f" (nor have its bases {bases})" if bases else ""))
                return None
            member_kind, keywords, returns = member
            if call is not None:
                if member_kind != "method":
                    self.error(node, f"{name}.{attr} is a property, called as a method")
                self.check_keywords(call, keywords, f"{name}.{attr}()")
            self.checked += 1
            return self.bindings.type_of(returns)
        if kind in ("jsii", "jsii-class"):
            members = self.jsii.members(name)
            if attr not in members:
                self.error(node, f"{name} has no {attr}")
                return None
            member_kind, spec = members[attr]
            self.checked += 1
            if call is not None:
                if member_kind != "method":
                    self.error(node, f"{name}.{attr} is a property, called as a method")
                    return None
                self.check_keywords(call, self.jsii.keywords(spec.get("parameters", [])), f"{name}.{attr}()")
                returns = spec.get("returns", {}).get("type", {}).get("fqn")
            else:
                returns = spec.get("type", {}).get("fqn")
            return ("jsii", returns) if returns in self.jsii.types else None
        self.unchecked += 1
        return None


def check(source: str, bindings: Bindings, jsii: Jsii) -> Checker:
    checker = Checker(bindings, jsii)
    checker.visit(ast.parse(source))
    return checker
