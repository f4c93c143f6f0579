package dev.persistence.quarkus.deployment;

import jakarta.ws.rs.Priorities;

import dev.persistence.LockLostException;
import dev.persistence.LockTimeoutException;
import dev.persistence.PathRefusedException;
import dev.persistence.SymbolicLinkRefusedException;
import dev.persistence.quarkus.PersistenceBuildTimeConfig;
import dev.persistence.quarkus.rest.LockExceptionMappers;
import io.quarkus.arc.deployment.AdditionalBeanBuildItem;
import io.quarkus.deployment.Capabilities;
import io.quarkus.deployment.Capability;
import io.quarkus.deployment.annotations.BuildProducer;
import io.quarkus.deployment.annotations.BuildStep;
import io.quarkus.resteasy.reactive.spi.ExceptionMapperBuildItem;

/*
 * The REST integration: with Quarkus REST present and quarkus.persistence.rest.enabled not false, lock
 * failures become 503 answers and a refused path or @Locked argument (PathRefusedException) a 400, as
 * dev.persistence.rest.ErrorAnswer decides. Priority USER + 1: an application's own mapper for the same exception wins.
 */
class PersistenceRestProcessor {

    @BuildStep
    void exceptionMappers(Capabilities capabilities, PersistenceBuildTimeConfig config,
            BuildProducer<ExceptionMapperBuildItem> mappers, BuildProducer<AdditionalBeanBuildItem> beans) {
        if (!capabilities.isPresent(Capability.REST) || !config.rest().enabled()) {
            return;
        }
        beans.produce(AdditionalBeanBuildItem.builder()
                .addBeanClasses(LockExceptionMappers.LockTimeout.class, LockExceptionMappers.LockLost.class,
                        LockExceptionMappers.PathRefused.class, LockExceptionMappers.SymbolicLinkRefused.class)
                .setUnremovable().build());
        mappers.produce(new ExceptionMapperBuildItem(LockExceptionMappers.PathRefused.class.getName(),
                PathRefusedException.class.getName(), Priorities.USER + 1, true));
        mappers.produce(new ExceptionMapperBuildItem(LockExceptionMappers.SymbolicLinkRefused.class.getName(),
                SymbolicLinkRefusedException.class.getName(), Priorities.USER + 1, true));
        mappers.produce(new ExceptionMapperBuildItem(LockExceptionMappers.LockTimeout.class.getName(),
                LockTimeoutException.class.getName(), Priorities.USER + 1, true));
        mappers.produce(new ExceptionMapperBuildItem(LockExceptionMappers.LockLost.class.getName(),
                LockLostException.class.getName(), Priorities.USER + 1, true));
    }
}
