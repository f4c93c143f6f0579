package dev.persistence.quarkus.deployment;

import java.io.Serializable;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.jboss.jandex.ClassInfo;
import org.jboss.jandex.DotName;
import org.jboss.jandex.IndexView;
import org.jboss.jandex.MethodInfo;
import org.jboss.jandex.RecordComponentInfo;
import org.jboss.jandex.Type;

import dev.persistence.cdi.spi.LockedSignature;

/** The {@link LockedSignature} of a method of the index. */
final class IndexedSignature implements LockedSignature {

    /*
     * The build-time reader of a LockedSignature: a method of the Jandex index, read without loading
     * any application class. Its run-time twin is the portable module's ReflectedSignature; both list
     * the return type's supertypes in the same order (the type, its interfaces depth first, then its
     * superclass; an interface has no superclass). The computing index reads JDK and library classes
     * the application index lacks, so a CompletableFuture is seen to be a CompletionStage.
     */

    private final MethodInfo method;
    private final IndexView index;

    IndexedSignature(MethodInfo method, IndexView index) {
        this.method = method;
        this.index = index;
    }

    @Override
    public String declaringClass() {
        return method.declaringClass().name().toString();
    }

    @Override
    public String name() {
        return method.name();
    }

    @Override
    public List<String> parameterTypes() {
        List<String> types = new ArrayList<>(method.parametersCount());
        for (Type type : method.parameterTypes()) {
            types.add(type.name().toString());
        }
        return List.copyOf(types);
    }

    /** From the class file's MethodParameters or its debug information (local variable table). */
    @Override
    public List<String> parameterNames() {
        List<String> names = new ArrayList<>(method.parametersCount());
        for (int i = 0; i < method.parametersCount(); i++) {
            names.add(method.parameterName(i));
        }
        return Collections.unmodifiableList(names); // may hold null: List.copyOf would refuse it
    }

    @Override
    public String returnType() {
        return method.returnType().name().toString();
    }

    @Override
    public Set<String> returnTypeHierarchy() {
        Set<String> hierarchy = new LinkedHashSet<>();
        Type type = method.returnType();
        switch (type.kind()) {
            case VOID, PRIMITIVE -> {
            }
            case ARRAY -> {
                hierarchy.add(type.name().toString());
                hierarchy.addAll(List.of(Cloneable.class.getName(), Serializable.class.getName(), Object.class.getName()));
            }
            default -> addWithSupertypes(type.name(), hierarchy);
        }
        return hierarchy;
    }

    private void addWithSupertypes(DotName type, Set<String> hierarchy) {
        if (type == null || !hierarchy.add(type.toString())) {
            return;
        }
        ClassInfo info = index.getClassByName(type);
        if (info == null) {
            return;
        }
        for (DotName implemented : info.interfaceNames()) {
            addWithSupertypes(implemented, hierarchy);
        }
        if (!info.isInterface()) {
            addWithSupertypes(info.superName(), hierarchy);
        }
    }

    /** As reflection's {@code Class.getMethod} finds a getter: the class, its superclasses, then its interfaces. */
    @Override
    public Optional<String> propertyType(String type, String property) {
        ClassInfo owner = index.getClassByName(DotName.createSimple(type));
        if (owner == null) {
            return Optional.empty();
        }
        if (owner.isRecord()) {
            RecordComponentInfo component = owner.recordComponent(property);
            if (component != null) {
                return Optional.of(component.type().name().toString());
            }
        }
        if (property.isEmpty()) {
            return Optional.empty();
        }
        String capitalised = Character.toUpperCase(property.charAt(0)) + property.substring(1);
        Optional<String> getter = getterType(owner, "get" + capitalised, new LinkedHashSet<>());
        if (getter.isPresent()) {
            return getter;
        }
        return getterType(owner, "is" + capitalised, new LinkedHashSet<>()).filter("boolean"::equals);
    }

    private Optional<String> getterType(ClassInfo type, String name, Set<DotName> seen) {
        for (ClassInfo c = type; c != null && seen.add(c.name()); c = superclass(c)) {
            MethodInfo getter = c.method(name);
            if (getter != null && Modifier.isPublic(getter.flags())) {
                return Modifier.isStatic(getter.flags()) || getter.returnType().kind() == Type.Kind.VOID
                        ? Optional.empty()
                        : Optional.of(getter.returnType().name().toString());
            }
        }
        for (ClassInfo c = type; c != null; c = superclass(c)) {
            for (DotName implemented : c.interfaceNames()) {
                ClassInfo info = index.getClassByName(implemented);
                Optional<String> found = info == null ? Optional.empty() : getterType(info, name, seen);
                if (found.isPresent()) {
                    return found;
                }
            }
        }
        return Optional.empty();
    }

    private ClassInfo superclass(ClassInfo type) {
        return type.isInterface() || type.superName() == null ? null : index.getClassByName(type.superName());
    }
}
